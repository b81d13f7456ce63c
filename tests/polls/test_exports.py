"""The grid's CSV and XLSX downloads, read back and compared with the grid; each export is audited."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from flask import Flask, render_template
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from concertation.accounts.audit import AuditAction, AuditEvent
from concertation.accounts.models import User, UserRole
from concertation.extensions import db
from concertation.polls.grid import Grid, build_grid, load_poll
from concertation.polls.models import Poll, PollChoice
from tests.common.db.meetings import meeting, paris
from tests.common.db.people import gevaudan_elus, person
from tests.common.db.pollgrid import answer, sent_poll

OUI, SI, NON = PollChoice.OUI, PollChoice.SI_NECESSAIRE, PollChoice.NON


def _poll() -> Poll:
    """Three slots, the third on Ascension Day; a guest with a name a spreadsheet would compute."""
    elus = gevaudan_elus(without_email=1)
    guest = person('=HYPERLINK("x")', "", civility="Mme", email=None)
    created = sent_poll(meeting(starts_at=paris(2027, 4, 22)), [(guest, ["Invitée d’honneur"])])
    answer(created, elus[0], OUI, SI, NON)
    answer(created, elus[1], NON, NON, None)
    answer(created, guest, SI, None, OUI)
    answer(created, elus[-1], OUI, OUI, NON)  # a conseillère départementale: a flag on Ascension Day
    created.recipients[0].comment = "Plutôt l'après-midi ; merci"
    db.session.commit()
    return created


def _grid(poll: Poll) -> Grid:
    loaded = load_poll(poll.id)
    assert loaded is not None
    return build_grid(loaded)


def _expected_rows(grid: Grid) -> list[list[str]]:
    return [
        [
            row.name,
            " ; ".join(row.qualities),
            row.email,
            *(c.label if c is not None else "" for c in row.choices),
            row.comment,
            "oui" if row.entered else "",
        ]
        for row in grid.rows
    ]


HEADER = ["Invité(e)", "Qualités", "Adresse électronique"]


def test_csv(app: Flask, lozere: None, client: FlaskClient, login: Callable[..., User]) -> None:
    poll = _poll()
    login(UserRole.ORGANISATEUR)
    response = client.get(f"/reunions/{poll.meeting_id}/sondage.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    grid = _grid(poll)
    n = len(grid.rows)

    assert rows[0][:3] == HEADER
    assert rows[0][3:6] == [
        "jeudi 22 avril 2027, de 14 h à 17 h",
        "jeudi 29 avril 2027, de 14 h à 17 h",
        "jeudi 6 mai 2027, de 14 h à 17 h (Ascension, jour férié)",
    ]
    expected = _expected_rows(grid)
    guest = next(i for i, row in enumerate(expected) if row[0].startswith("="))
    assert rows[1 + guest][0] == '\'=HYPERLINK("x")'  # a name, not a formula
    expected[guest][0] = rows[1 + guest][0]
    assert rows[1 : 1 + n] == expected
    assert rows[1 + n] == []
    totals = {row[0]: [int(v) for v in row[3:6]] for row in rows[2 + n : 6 + n]}
    assert totals == {
        "Oui": [t.yes for t in grid.totals],
        "Si nécessaire": [t.if_needed for t in grid.totals],
        "Non": [t.no for t in grid.totals],
        "Sans réponse": [t.pending for t in grid.totals],
    }
    counts = {row[0]: [int(v) for v in row[3:6]] for row in rows[7 + n : 7 + n + len(grid.key_counts)]}
    assert counts == {f"{c.label} (sur {c.total})": list(c.available) for c in grid.key_counts}
    assert "Président(e) de la CC (sur 1)" in counts
    flags = rows[-1]
    assert flags[0] == "Réponses « Non » à noter" and flags[3:6] == [" ".join(f) for f in grid.flags]

    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)).one()
    assert event.target == f"sondage de date de la réunion n° {poll.meeting_id} (CSV)"


def test_xlsx(app: Flask, lozere: None, client: FlaskClient, login: Callable[..., User]) -> None:
    poll = _poll()
    login(UserRole.ORGANISATEUR)
    response = client.get(f"/reunions/{poll.meeting_id}/sondage.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet is not None
    rows = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    grid = _grid(poll)
    n = len(grid.rows)

    assert rows[0][:3] == HEADER and rows[0][5].endswith("(Ascension, jour férié)")
    assert [list(row) for row in rows[1 : 1 + n]] == _expected_rows(grid)
    names = [cell for (cell,) in sheet.iter_rows(min_row=2, max_row=1 + n, max_col=1)]
    assert {cell.data_type for cell in names} == {"s"}  # the "=HYPERLINK" name is text, not a formula
    assert rows[2 + n][:6] == ["Oui", "", "", *(t.yes for t in grid.totals)]
    assert rows[5 + n][:6] == ["Sans réponse", "", "", *(t.pending for t in grid.totals)]
    for offset, count in enumerate(grid.key_counts):
        assert rows[7 + n + offset][:6] == [f"{count.label} (sur {count.total})", "", "", *count.available]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)).one()
    assert event.target.endswith("(Excel)")


def test_readers_may_not_export(
    app: Flask, lozere: None, client: FlaskClient, login: Callable[..., User]
) -> None:
    poll = _poll()
    login(UserRole.LECTEUR)
    assert client.get(f"/reunions/{poll.meeting_id}/sondage.csv").status_code == 403
    assert client.get(f"/reunions/{poll.meeting_id}/sondage.xlsx").status_code == 403
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)).all() == []


def test_a_meeting_without_poll_has_no_export(
    app: Flask, lozere: None, client: FlaskClient, login: Callable[..., User]
) -> None:
    other = meeting(title="Sans sondage")
    db.session.commit()
    login(UserRole.ORGANISATEUR)
    assert client.get(f"/reunions/{other.id}/sondage.csv").status_code == 404
    assert client.get(f"/reunions/{other.id}/sondage.xlsx").status_code == 404


def test_the_buttons_partial(app: Flask, lozere: None) -> None:
    poll = _poll()
    with app.test_request_context():
        html = render_template("polls/_exports.html", poll=poll)
    assert f'href="/reunions/{poll.meeting_id}/sondage.csv"' in html
    assert f'href="/reunions/{poll.meeting_id}/sondage.xlsx"' in html
