"""Attendance pages: prefilled from the answers, recorded per invitee, uninvited people, signed scans."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from concertation.accounts.models import User, UserRole
from concertation.extensions import db
from concertation.invitations import services as invitations
from concertation.invitations.models import Answer, AnswerSource, Channel
from concertation.minutes.attendance import attendance_lines, turnout
from concertation.minutes.enums import AttendanceStatus
from concertation.minutes.models import Attendance, AttendanceScan
from tests.common import db as f
from tests.common.db.minutes import convoked_then_held, mark_held
from tests.common.http import csrf_token

pytestmark = pytest.mark.usefixtures("lozere")
Login = Callable[..., User]


def _answered(app: Flask):  # type: ignore[no-untyped-def]
    f.gevaudan_elus()
    meeting = convoked_then_held(app)
    emailed = [i for i in invitations.invitations_of(meeting) if i.channel == Channel.EMAIL]
    invitations.record_answer(emailed[0], Answer.PRESENT, source=AnswerSource.LINK)
    invitations.record_answer(
        emailed[1], Answer.REPRESENTE, source=AnswerSource.LINK, represented_by="Mme Adjointe"
    )
    invitations.record_answer(emailed[2], Answer.ABSENT, source=AnswerSource.LINK)
    db.session.commit()
    mark_held(meeting)
    return meeting, emailed


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_attendance_is_prefilled_from_the_answers(app: Flask) -> None:
    meeting, emailed = _answered(app)
    lines = {line.person.id: line for line in attendance_lines(meeting)}
    assert lines[emailed[0].person_id].status is AttendanceStatus.PRESENT
    assert lines[emailed[1].person_id].status is AttendanceStatus.REPRESENTE
    assert lines[emailed[1].person_id].represented_by == "Mme Adjointe"
    assert lines[emailed[2].person_id].status is AttendanceStatus.EXCUSE
    assert lines[emailed[3].person_id].status is AttendanceStatus.ABSENT
    assert not any(line.is_recorded for line in lines.values())
    counts = turnout(meeting)
    assert (counts.came, counts.excused, counts.invited) == (2, 1, len(lines))


def test_organiser_records_attendance_and_sees_the_turnout(
    app: Flask, client: FlaskClient, login: Login
) -> None:
    meeting, emailed = _answered(app)
    login(UserRole.ORGANISATEUR)
    url = f"/reunions/{meeting.id}/emargement"
    page = client.get(url).get_data(as_text=True)
    assert "d'après la réponse" in page and "taux de participation" in page
    lines = attendance_lines(meeting)
    data = {f"statut-{line.person.id}": "absent" for line in lines}
    data[f"statut-{emailed[0].person_id}"] = "present"
    data[f"statut-{emailed[1].person_id}"] = "represente"  # the representative is missing
    data["csrf_token"] = csrf_token(client, url)
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert "Indiquez par qui la personne était représentée." in response.get_data(as_text=True)
    assert _count(Attendance) == 0

    data[f"represente-{emailed[1].person_id}"] = "M. Premier adjoint"
    response = client.post(url, data=data)
    assert response.status_code == 303
    assert _count(Attendance) == len(lines)
    counts = turnout(meeting)
    assert (counts.present, counts.represented, counts.absent) == (1, 1, len(lines) - 2)
    assert f"{counts.rate:.1f}".replace(".", ",") in client.get(url).get_data(as_text=True)


def test_reader_sees_but_cannot_write(app: Flask, client: FlaskClient, login: Login) -> None:
    meeting, _ = _answered(app)
    login(UserRole.LECTEUR)
    url = f"/reunions/{meeting.id}/emargement"
    page = client.get(url)
    assert page.status_code == 200
    assert "Enregistrer les présences" not in page.get_data(as_text=True)
    token = csrf_token(client, "/reunions/")
    for target in (url, f"{url}/autres", f"{url}/scans"):
        assert client.post(target, data={"csrf_token": token}).status_code == 403
    assert _count(Attendance) == 0


def test_people_who_came_without_invitation(app: Flask, client: FlaskClient, login: Login) -> None:
    meeting, _ = _answered(app)
    login(UserRole.ORGANISATEUR)
    url = f"/reunions/{meeting.id}/emargement"
    token = csrf_token(client, url)
    response = client.post(
        f"{url}/autres", data={"csrf_token": token, "kind": "partenaire", "name": " ", "quality": "x"}
    )
    assert response.status_code == 422
    assert "Indiquez le nom de la personne." in response.get_data(as_text=True)
    response = client.post(
        f"{url}/autres",
        data={
            "csrf_token": token,
            "kind": "partenaire",
            "name": "Claire Roux",
            "quality": "Lozère Ingénierie",
            "email": "claire@lozere-ingenierie.fr",
        },
    )
    assert response.status_code == 303
    row = db.session.scalars(select(Attendance)).one()
    assert (row.display_name, row.contact_email, row.invitee_id) == (
        "Claire Roux",
        "claire@lozere-ingenierie.fr",
        None,
    )
    assert turnout(meeting).others == 1
    assert "Claire Roux" in client.get(url).get_data(as_text=True)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def test_signed_scan_is_stored_with_a_generated_name_and_served_to_organisers_only(
    app: Flask, client: FlaskClient, login: Login, make_user: Callable[..., User], tmp_path: Path
) -> None:
    import io

    app.config.update(MINUTES_SCANS_DIR=str(tmp_path / "scans"), MINUTES_SCAN_MAX_BYTES=1024)
    meeting, _ = _answered(app)
    login(UserRole.ORGANISATEUR)
    url = f"/reunions/{meeting.id}/emargement"
    token = csrf_token(client, url)

    def upload(name: str, content: bytes) -> int:
        data = {"csrf_token": token, "file": (io.BytesIO(content), name)}
        return client.post(f"{url}/scans", data=data, content_type="multipart/form-data").status_code

    assert upload("feuille.pdf", b"<script>alert(1)</script>") == 422  # not a PDF, whatever its name
    assert upload("feuille.exe", PDF) == 422
    assert upload("grosse.png", PNG + b"\0" * 2048) == 422
    assert _count(AttendanceScan) == 0
    assert upload("../../Feuille signée.pdf", PDF) == 303
    scan = db.session.scalars(select(AttendanceScan)).one()
    stored = tmp_path / "scans" / str(meeting.id) / scan.stored_name
    assert stored.read_bytes() == PDF
    assert scan.stored_name.endswith(".pdf") and ".." not in scan.filename and "/" not in scan.filename
    download = client.get(f"{url}/scans/{scan.id}")
    assert download.status_code == 200 and download.data == PDF and download.mimetype == "application/pdf"
    assert client.get(f"/reunions/{meeting.id + 1}/emargement/scans/{scan.id}").status_code == 404

    client.post("/deconnexion", data={"csrf_token": csrf_token(client, url)})
    login(UserRole.LECTEUR)
    assert client.get(f"{url}/scans/{scan.id}").status_code == 403
    assert scan.filename not in client.get(url).get_data(as_text=True)


def test_cancelled_meeting_takes_no_attendance(app: Flask) -> None:
    from concertation.meetings.services import cancel_meeting
    from concertation.minutes.attendance import AttendanceEntry, record_attendance
    from concertation.minutes.exceptions import NotAllowed

    f.gevaudan_elus()
    meeting = f.meeting()
    cancel_meeting(meeting)
    with pytest.raises(NotAllowed):
        record_attendance(meeting, [AttendanceEntry(1, "present")])


def test_attendance_opens_on_the_meetings_day(app: Flask, client: FlaskClient, login: Login) -> None:
    """Issue 12, item 14: no attendance months ahead; it opens on the meeting's day in Lozère."""
    from datetime import date

    from concertation.minutes.attendance import (
        AttendanceEntry,
        OtherInput,
        add_other,
        is_open,
        record_attendance,
    )
    from concertation.minutes.exceptions import NotAllowed

    f.gevaudan_elus()
    ahead = f.meeting(starts_at=f.paris(2027, 3, 9, 0, 30))  # 8 March, 23:30 UTC
    from concertation.meetings.invitees import freeze_invitees
    from concertation.minutes.attendance import current_invitees

    freeze_invitees(ahead)
    db.session.commit()
    person_id = current_invitees(ahead)[0].person_id
    with pytest.raises(NotAllowed, match="à partir du jour de la réunion, le 09/03/2027"):
        record_attendance(ahead, [AttendanceEntry(person_id, "present")])
    with pytest.raises(NotAllowed):
        add_other(ahead, OtherInput(name="Claire Roux"))
    db.session.rollback()
    assert _count(Attendance) == 0
    assert not is_open(ahead, today=date(2027, 3, 8)) and is_open(ahead, today=date(2027, 3, 9))

    login(UserRole.ORGANISATEUR)
    url = f"/reunions/{ahead.id}/emargement"
    page = client.get(url).get_data(as_text=True)
    assert "à partir du jour de la réunion, le 09/03/2027" in page
    assert "Enregistrer les présences" not in page and "Ajouter une personne présente" not in page
    token = csrf_token(client, "/reunions/")
    response = client.post(url, data={"csrf_token": token, f"statut-{person_id}": "present"})
    assert response.status_code == 303
    response = client.post(
        f"{url}/autres", data={"csrf_token": token, "kind": "partenaire", "name": "C. Roux"}
    )
    assert response.status_code == 303
    assert "pas encore eu lieu" in client.get(url).get_data(as_text=True)
    assert _count(Attendance) == 0
