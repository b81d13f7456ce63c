"""A decision changes a project's priority: the next version of the dossier says so, and only there; the
earlier version is still served byte for byte."""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from concertation.accounts.models import User, UserRole
from concertation.contracts.plan import financial_plan
from concertation.dossiers.services import generate_dossier
from concertation.extensions import db
from concertation.meetings.models import Meeting, MeetingDocument
from concertation.minutes.decisions import DecisionInput, record_decision
from tests.common import db as f
from tests.common.db import dossiers as d
from tests.common.pdf import pdf_text

pytestmark = pytest.mark.usefixtures("lozere")

FOOTER = re.compile(r"^Dossier de séance · version \d+ page \d+ / \d+$")
SESSIONS = "Décisions et actions des séances précédentes"


def _lines(app: Flask, meeting: Meeting, document: MeetingDocument) -> list[str]:
    """The text of a stored version without its page footers (they carry the version number)."""
    content = (d.folder(app) / str(meeting.id) / document.stored_name).read_bytes()
    return [line for line in pdf_text(content).splitlines() if not FOOTER.match(line)]


def test_a_new_version_differs_exactly_where_the_priority_changed(
    app: Flask, client: FlaskClient, login: Callable[..., User]
) -> None:
    d.demo_data()
    meeting = d.gevaudan_concertation()
    contract = meeting.contract
    assert contract is not None
    first = generate_dossier(meeting, folder=d.folder(app))
    db.session.commit()
    first_bytes = (d.folder(app) / str(meeting.id) / first.stored_name).read_bytes()
    first_digest = first.sha256
    assert hashlib.sha256(first_bytes).hexdigest() == first_digest

    # A session held before, on the same contract, moves the second project of the plan down.
    held = f.meeting(
        "concertation",
        siren=d.GEVAUDAN,
        starts_at=f.paris(2026, 11, 10),
        now=f.paris(2026, 11, 1),
        title="Séance de novembre",
    )
    held.contract = contract
    db.session.commit()
    line = financial_plan(contract).lines[1]
    old, new = line.priority, line.priority % 3 + 1
    record_decision(
        held,
        DecisionInput(
            kind="priorite_projet",
            agenda_item_id=held.agenda_items[1].id,
            project_id=line.project_id,
            priority=str(new),
        ),
    )
    db.session.commit()
    second = generate_dossier(meeting, folder=d.folder(app))
    db.session.commit()
    assert (first.version, second.version) == (1, 2) and second.sha256 != first_digest

    before, after = _lines(app, meeting, first), _lines(app, meeting, second)
    sessions_at = after.index(SESSIONS)
    changed: list[tuple[list[str], list[str]]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
        if tag != "equal":
            changed.append((before[i1:i2], after[j1:j2]))
            # Whatever changed below the heading of the previous sessions is that section's.
            if j1 > sessions_at:
                continue
            assert tag == "replace" and i2 - i1 == j2 - j1, (before[i1:i2], after[j1:j2])
            for was, now in zip(before[i1:i2], after[j1:j2], strict=True):
                if was.startswith("Version 1, établie le"):
                    assert now.startswith("Version 2, établie le")
                elif was.startswith("Priorité ") and "Année prévue" not in was:
                    assert now.startswith("Priorité ")  # a row of the totals by priority
                else:
                    # The project's sheet and its line of the plan: the priority, nothing else.
                    assert now == re.sub(rf"(?<![\d,]){old}(?![\d,])", str(new), was, count=1), (was, now)
                    assert now != was
    flat_changes = [text for pair in changed for side in pair for text in side]
    assert f"Priorité Priorité {old} Année prévue {line.year}" in flat_changes
    assert f"Priorité Priorité {new} Année prévue {line.year}" in flat_changes
    assert any(text.startswith(f"Priorité {new} ") for text in flat_changes)
    # The line of the plan: "<owner> <priority> <year> <cost> <grant>".
    assert any(re.search(rf"(?<![\d,]){new} {line.year} ", text) for _, now in changed for text in now)
    decided = " ".join(after[sessions_at:])
    assert "Séance de novembre" in decided and f"priorité {old} → {new}" in decided.replace("\u202f", " ")

    # The first version is still served as it was sent.
    login(UserRole.ORGANISATEUR)
    served = client.get(f"/reunions/{meeting.id}/dossier/v1")
    assert served.status_code == 200 and served.data == first_bytes
    assert (
        hashlib.sha256(served.data).hexdigest()
        == first_digest
        == db.session.get(MeetingDocument, first.id).sha256
    )
