"""/api/v1/meetings/{id}/attendance, /decisions, /minutes and /attendance-sheet.pdf."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import func, select

from concertation.accounts.models import UserRole
from concertation.contracts.history import timeline
from concertation.contracts.models import ProjectSheet
from concertation.extensions import db
from concertation.invitations import services as invitations
from concertation.invitations.models import Answer, AnswerSource, Channel
from concertation.minutes.models import Attendance, Decision
from concertation.notifications.models import MessageKind, OutboxMessage
from tests.common import db as f
from tests.common.db.minutes import convoked_then_held, mark_held, past_meeting, with_contract
from tests.common.http import bearer

pytestmark = pytest.mark.usefixtures("lozere")


@pytest.fixture()
def headers(api_token: Callable[..., str]) -> dict[str, str]:
    return bearer(api_token(UserRole.ORGANISATEUR))


@pytest.fixture()
def reader(api_token: Callable[..., str]) -> dict[str, str]:
    return bearer(api_token(UserRole.LECTEUR))


def _held(app: Flask) -> Any:
    f.gevaudan_elus()
    meeting = convoked_then_held(app)
    emailed = [i for i in invitations.invitations_of(meeting) if i.channel == Channel.EMAIL]
    invitations.record_answer(emailed[0], Answer.PRESENT, source=AnswerSource.ORGANISER)
    db.session.commit()
    mark_held(meeting)
    return meeting


def test_attendance_put_replaces_and_reports_the_turnout(
    app: Flask, client: FlaskClient, headers: dict[str, str], reader: dict[str, str]
) -> None:
    meeting = _held(app)
    url = f"/api/v1/meetings/{meeting.id}/attendance"
    before = client.get(url, headers=reader).get_json()
    assert before["turnout"]["came"] == 1 and not any(line["is_recorded"] for line in before["invitees"])
    ids = [line["person_id"] for line in before["invitees"]]
    body = {
        "invitees": [
            {"person_id": ids[0], "status": "present"},
            {"person_id": ids[1], "status": "represente"},
            {"person_id": 999_999, "status": "present"},
        ]
    }
    response = client.put(url, json=body, headers=headers)
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]["invitees"]
    assert set(errors) == {"1", "2"} and "représentée" in errors["1"]["status"][0]
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0
    body = {
        "invitees": [
            {"person_id": ids[0], "status": "present"},
            {"person_id": ids[1], "status": "represente", "represented_by": "M. Adjoint"},
            {"person_id": ids[2], "status": "excuse"},
        ],
        "others": [{"kind": "departement", "name": "Anne Agent", "quality": "DATE"}],
    }
    response = client.put(url, json=body, headers=headers)
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert data["turnout"]["present"] == 1 and data["turnout"]["represented"] == 1
    assert data["turnout"]["excused"] == 1 and data["turnout"]["others"] == 1
    assert data["others"][0]["name"] == "Anne Agent"
    assert client.put(url, json=body, headers=reader).status_code == 403
    bad = client.put(url, json={"invitees": [{"person_id": 2**40, "status": "venu"}]}, headers=headers)
    assert bad.status_code == 422 and "json" in bad.get_json()["errors"]


def test_priority_decision_through_the_api_changes_the_project_and_can_be_undone(
    app: Flask, client: FlaskClient, headers: dict[str, str], reader: dict[str, str]
) -> None:
    meeting = past_meeting(title="Concertation du Gévaudan")
    contract = with_contract(meeting)
    project = contract.projects[0]
    url = f"/api/v1/meetings/{meeting.id}/decisions"
    body = {
        "kind": "priorite_projet",
        "agenda_item_id": meeting.agenda_items[1].id,
        "project_id": project.id,
        "priority": 2,
    }
    assert client.post(url, json=body, headers=reader).status_code == 403
    response = client.post(url, json={**body, "priority": 1}, headers=headers)
    assert response.status_code == 422
    assert "priorité 1" in response.get_json()["errors"]["json"]["project_id"][0]
    response = client.post(url, json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["kind"] == "priorite_projet" and created["can_be_undone"] and "1 → 2" in created["summary"]
    db.session.expire_all()
    assert db.session.get(ProjectSheet, project.id).priority == 2  # type: ignore[union-attr]
    assert timeline(contract.id)[0].meeting_id == meeting.id
    listed = client.get(url, headers=reader).get_json()
    assert [d["id"] for d in listed] == [created["id"]]
    response = client.delete(f"{url}/{created['id']}", headers=headers)
    assert response.status_code == 200 and response.get_json()["is_active"] is False
    db.session.expire_all()
    assert db.session.get(ProjectSheet, project.id).priority == 1  # type: ignore[union-attr]
    assert client.delete(f"{url}/{created['id']}", headers=headers).status_code == 409
    assert client.delete(f"{url}/{created['id'] + 1}", headers=headers).status_code == 404


def test_minutes_put_writes_validates_and_diffuses(
    app: Flask, client: FlaskClient, headers: dict[str, str], reader: dict[str, str]
) -> None:
    meeting = _held(app)
    url = f"/api/v1/meetings/{meeting.id}/minutes"
    assert client.get(url, headers=reader).status_code == 404
    items = [item.id for item in meeting.agenda_items]
    sections = [
        {"agenda_item_id": items[1], "body": "Diagnostic partagé. <script>alert(1)</script>"},
        {"title": "Questions diverses", "body": "[lien](javascript:alert(1))"},
    ]
    response = client.put(url, json={"sections": sections}, headers=headers)
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert [s["title"] for s in data["sections"]] == [
        "Diagnostic du territoire",
        "Questions diverses",
        "Accueil",
    ]
    assert "<script" not in data["sections"][0]["html"] and "javascript:" not in data["sections"][1]["html"]
    bad = client.put(
        url, json={"sections": [{"agenda_item_id": 2**31 - 1, "body": "x"}, {"title": ""}]}, headers=headers
    )
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]["json"]["sections"]) == {"0", "1"}
    response = client.put(url, json={"status": "diffuse"}, headers=headers)
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert data["status"] == "diffuse" and data["emails_queued"] > 5 and data["versions"][0]["number"] == 1
    outbox = db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == MessageKind.MINUTES)
    )
    assert outbox == data["emails_queued"]
    locked = client.put(url, json={"sections": sections}, headers=headers)
    assert locked.status_code == 409
    response = client.put(
        url, json={"correction_reason": "Coquille", "sections": sections[:1]}, headers=headers
    )
    assert response.status_code == 200 and response.get_json()["version"] == 2
    assert client.put(url, json={"status": "valide"}, headers=reader).status_code == 403


def test_attendance_sheet_pdf(app: Flask, client: FlaskClient, reader: dict[str, str]) -> None:
    f.gevaudan_elus()
    meeting = f.meeting()
    db.session.commit()
    response = client.get(f"/api/v1/meetings/{meeting.id}/attendance-sheet.pdf", headers=reader)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Maire de Marvejols" in text and "Signature" in text
    assert client.get(f"/api/v1/meetings/{meeting.id}/attendance-sheet.pdf").status_code == 401
    assert client.get("/api/v1/meetings/999999/attendance-sheet.pdf", headers=reader).status_code == 404


def test_decision_on_a_cancelled_meeting_is_a_conflict(
    app: Flask, client: FlaskClient, headers: dict[str, str]
) -> None:
    from concertation.meetings.services import cancel_meeting

    meeting = past_meeting()
    cancel_meeting(meeting)
    db.session.commit()
    response = client.post(
        f"/api/v1/meetings/{meeting.id}/decisions", json={"kind": "autre", "text": "x"}, headers=headers
    )
    assert response.status_code == 409 and "annulée" in response.get_json()["message"]
    assert db.session.scalars(select(Decision)).all() == []
