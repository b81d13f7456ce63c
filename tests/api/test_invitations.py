"""/api/v1/meetings/{id}/invitations and /cancel, and the updates a PATCH sends, via a real SMTP server."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import pytest
import vobject
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from concertation.accounts.models import UserRole
from concertation.extensions import db
from concertation.invitations import services
from concertation.invitations.models import Answer, AnswerSource, Invitation
from concertation.meetings.models import Meeting, MeetingStatus
from concertation.notifications.models import OutboxMessage
from concertation.notifications.sender import SmtpSettings, drain
from concertation.people.models import Person
from tests.common import db as f
from tests.common.http import bearer
from tests.common.smtp import SmtpSink

pytestmark = pytest.mark.usefixtures("lozere")

CONCERTATION: dict[str, Any] = {
    "kind": "concertation",
    "scope": {"intercommunality": "244800470"},
    "title": "Concertation du Gévaudan",
    "purpose": "diagnostic",
    "starts_at": "2027-03-09T14:00:00",
    "ends_at": "2027-03-09T17:00:00",
    "location": {"name": "Salle des fêtes", "address": "Place du Soubeyran", "commune": "48092"},
    "agenda": ["Accueil", "Diagnostic du territoire"],
}


@pytest.fixture()
def headers(api_token: Callable[..., str]) -> dict[str, str]:
    return bearer(api_token(UserRole.ORGANISATEUR))


@pytest.fixture()
def elus() -> list[Person]:
    """The élus of the CC du Gévaudan; the first one has no email (paper invitation)."""
    return f.gevaudan_elus(without_email=1)


@pytest.fixture()
def meeting_id(client: FlaskClient, headers: dict[str, str], elus: list[Person]) -> int:
    response = client.post("/api/v1/meetings", json=CONCERTATION, headers=headers)
    assert response.status_code == 201, response.get_json()
    created: int = response.get_json()["id"]
    return created


def send_all(app: Flask) -> None:
    drain(SmtpSettings.from_config(app.config))


def received(sink: SmtpSink) -> list[EmailMessage]:
    messages = []
    for _, _, raw in sink.messages:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        messages.append(message)
    return messages


def calendar_of(message: EmailMessage) -> Any:
    """The validated iCalendar object of the message's text/calendar part."""
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            event = vobject.readOne(payload.decode("utf-8"), validate=True)
            assert event.method.value == part.get_param("method")
            return event
    raise AssertionError("no text/calendar part")


def methods_and_sequences(sink: SmtpSink) -> set[tuple[str, int]]:
    events = [calendar_of(m) for m in received(sink)]
    return {(e.method.value, int(e.vevent.sequence.value)) for e in events}


def recipients(sink: SmtpSink) -> list[str]:
    return sorted(m["To"].addresses[0].addr_spec for m in received(sink))


def emails_of(elus: list[Person]) -> list[str]:
    return sorted(p.email for p in elus if p.email)


def convoke(client: FlaskClient, headers: dict[str, str], meeting_id: int) -> Any:
    response = client.post(f"/api/v1/meetings/{meeting_id}/invitations", headers=headers)
    assert response.status_code == 202, response.get_json()
    return response


# Convocation -----------------------------------------------------------------------------------------


def test_convoke_accepts_then_the_sender_delivers(
    app: Flask,
    client: FlaskClient,
    headers: dict[str, str],
    elus: list[Person],
    meeting_id: int,
    smtp_server: SmtpSink,
) -> None:
    response = convoke(client, headers, meeting_id)
    assert response.get_json() == {"emails": len(elus) - 1, "paper": 1}
    assert response.headers["Location"].endswith(f"/api/v1/meetings/{meeting_id}/invitations")
    meeting = client.get(f"/api/v1/meetings/{meeting_id}", headers=headers).get_json()
    assert meeting["status"] == "convoquee"
    assert meeting["invitees_frozen_at"] is not None
    assert meeting["invitee_count"] == len(elus)
    # Nothing leaves during the request: the outbox holds the messages until the sender runs.
    assert smtp_server.messages == []

    send_all(app)
    assert recipients(smtp_server) == emails_of(elus)
    assert methods_and_sequences(smtp_server) == {("REQUEST", 0)}
    assert all(
        calendar_of(m).vevent.uid.value.startswith(f"meeting-{meeting_id}@") for m in received(smtp_server)
    )


def test_convoke_twice_is_409_in_french(
    client: FlaskClient, headers: dict[str, str], meeting_id: int
) -> None:
    convoke(client, headers, meeting_id)
    response = client.post(f"/api/v1/meetings/{meeting_id}/invitations", headers=headers)
    assert response.status_code == 409
    assert response.get_json()["message"] == "La réunion est déjà convoquée : ses invitations sont parties."
    assert db.session.scalar(select(func.count(Invitation.id))) == len(
        services.invitations_of(_meeting(meeting_id))
    )


def test_convoking_a_cancelled_meeting_is_409(
    client: FlaskClient, headers: dict[str, str], meeting_id: int
) -> None:
    assert client.post(f"/api/v1/meetings/{meeting_id}/cancel", headers=headers).status_code == 200
    response = client.post(f"/api/v1/meetings/{meeting_id}/invitations", headers=headers)
    assert response.status_code == 409
    assert response.get_json()["message"] == "La réunion est « Annulée » : elle ne peut pas être convoquée."
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_convoking_an_empty_list_is_409(client: FlaskClient, headers: dict[str, str]) -> None:
    created = client.post("/api/v1/meetings", json=CONCERTATION, headers=headers).get_json()
    response = client.post(f"/api/v1/meetings/{created['id']}/invitations", headers=headers)
    assert response.status_code == 409
    assert response.get_json()["message"].startswith("La liste des invités est vide")
    assert _meeting(created["id"]).status == MeetingStatus.BROUILLON
    assert _meeting(created["id"]).invitees_frozen_at is None


def test_unknown_meeting_is_404(client: FlaskClient, headers: dict[str, str]) -> None:
    for method, url in [
        ("post", "/api/v1/meetings/999/invitations"),
        ("get", "/api/v1/meetings/999/invitations"),
        ("post", "/api/v1/meetings/999/cancel"),
    ]:
        response = getattr(client, method)(url, headers=headers)
        assert response.status_code == 404, url
        assert response.get_json()["message"] == "Aucune réunion n'a l'identifiant 999."


def _meeting(meeting_id: int) -> Meeting:
    db.session.expire_all()
    found = db.session.get(Meeting, meeting_id)
    assert found is not None
    return found


# Invitations and delivery states ---------------------------------------------------------------------


def test_invitations_with_answers_and_delivery_states(
    app: Flask,
    client: FlaskClient,
    headers: dict[str, str],
    elus: list[Person],
    meeting_id: int,
    smtp_server: SmtpSink,
) -> None:
    url = f"/api/v1/meetings/{meeting_id}/invitations"
    assert client.get(url, headers=headers).get_json() == []
    convoke(client, headers, meeting_id)

    paper, refused, represented = elus[0], elus[1], elus[2]
    assert paper.email is None and refused.email and represented.email
    smtp_server.reject[refused.email.lower()] = "550 5.1.1 Mailbox unknown"

    pending = client.get(url, headers=headers).get_json()
    assert len(pending) == len(elus)
    emailed = [line for line in pending if line["email"]]
    assert {(line["delivery"]["state"], line["delivery"]["attempts"]) for line in emailed} == {
        ("en_attente", 0)
    }
    assert {line["answer"] for line in pending} == {"en_attente"}

    send_all(app)
    invitation = db.session.scalar(select(Invitation).where(Invitation.person_id == represented.id))
    assert invitation is not None
    services.record_answer(
        invitation, Answer.REPRESENTE, source=AnswerSource.LINK, represented_by="Jean Martin, 1er adjoint"
    )
    db.session.commit()

    lines = {line["person_id"]: line for line in client.get(url, headers=headers).get_json()}
    assert lines[paper.id] == {
        "person_id": paper.id,
        "name": paper.full_name,
        "email": None,
        "channel": "papier",
        "answer": "en_attente",
        "answer_label": "Sans réponse",
        "represented_by": "",
        "answered_at": None,
        "answer_source": None,
        "delivery": {"state": None, "attempts": 0, "last_reply": "", "last_code": None},
    }
    assert lines[refused.id]["delivery"]["state"] == "refuse"
    assert lines[refused.id]["delivery"]["attempts"] == 1
    assert lines[refused.id]["delivery"]["last_code"] == 550
    assert "Mailbox unknown" in lines[refused.id]["delivery"]["last_reply"]
    answered = lines[represented.id]
    assert answered["answer"] == "represente"
    assert answered["answer_label"] == "Représenté(e) par Jean Martin, 1er adjoint"
    assert answered["represented_by"] == "Jean Martin, 1er adjoint"
    assert answered["answered_at"] is not None
    assert answered["answer_source"] == "lien"
    assert answered["delivery"]["state"] == "envoye"
    assert answered["delivery"]["attempts"] == 1
    assert answered["delivery"]["last_reply"] == "Accepté par le serveur"
    sent = [line for pid, line in lines.items() if pid not in (paper.id, refused.id)]
    assert {line["delivery"]["state"] for line in sent} == {"envoye"}
    assert recipients(smtp_server) == sorted(e for e in emails_of(elus) if e != refused.email)


def test_lecteur_reads_invitations(
    client: FlaskClient, api_token: Callable[..., str], headers: dict[str, str], meeting_id: int
) -> None:
    convoke(client, headers, meeting_id)
    reader = bearer(api_token(UserRole.LECTEUR))
    response = client.get(f"/api/v1/meetings/{meeting_id}/invitations", headers=reader)
    assert response.status_code == 200
    assert len(response.get_json()) > 10


# Updates sent by a PATCH -----------------------------------------------------------------------------


def test_patch_of_the_date_sends_an_update_and_resets_answers(
    app: Flask,
    client: FlaskClient,
    headers: dict[str, str],
    elus: list[Person],
    meeting_id: int,
    smtp_server: SmtpSink,
) -> None:
    convoke(client, headers, meeting_id)
    send_all(app)
    invitation = db.session.scalars(select(Invitation).where(Invitation.email.is_not(None))).first()
    assert invitation is not None
    services.record_answer(invitation, Answer.PRESENT, source=AnswerSource.LINK)
    db.session.commit()
    smtp_server.messages.clear()

    response = client.patch(
        f"/api/v1/meetings/{meeting_id}",
        json={"starts_at": "2027-03-16T10:00:00", "ends_at": "2027-03-16T12:00:00"},
        headers=headers,
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["sequence"] == 1
    send_all(app)
    assert recipients(smtp_server) == emails_of(elus)
    assert methods_and_sequences(smtp_server) == {("REQUEST", 1)}
    event = calendar_of(received(smtp_server)[0])
    assert event.vevent.dtstart.value.isoformat().startswith("2027-03-16T")
    answers = {line["person_id"]: line["answer"] for line in _invitations(client, headers, meeting_id)}
    assert answers[invitation.person_id] == "en_attente"


def _invitations(client: FlaskClient, headers: dict[str, str], meeting_id: int) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/meetings/{meeting_id}/invitations", headers=headers)
    assert response.status_code == 200
    payload: list[dict[str, Any]] = response.get_json()
    return payload


def test_title_change_notifies_only_when_asked(
    app: Flask,
    client: FlaskClient,
    headers: dict[str, str],
    elus: list[Person],
    meeting_id: int,
    smtp_server: SmtpSink,
) -> None:
    convoke(client, headers, meeting_id)
    send_all(app)
    smtp_server.messages.clear()
    url = f"/api/v1/meetings/{meeting_id}"

    assert client.patch(url, json={"title": "Nouveau titre"}, headers=headers).get_json()["sequence"] == 0
    send_all(app)
    assert smtp_server.messages == []

    response = client.patch(url, json={"agenda": ["Accueil", "Projets"], "notify": True}, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["sequence"] == 1
    send_all(app)
    assert recipients(smtp_server) == emails_of(elus)
    assert methods_and_sequences(smtp_server) == {("REQUEST", 1)}


def test_manual_changes_on_a_convoked_meeting_notify_the_person(
    app: Flask,
    client: FlaskClient,
    headers: dict[str, str],
    elus: list[Person],
    meeting_id: int,
    smtp_server: SmtpSink,
) -> None:
    guest = f.person("Invitée", email="invitee@example.org")
    db.session.commit()
    convoke(client, headers, meeting_id)
    send_all(app)
    smtp_server.messages.clear()
    url = f"/api/v1/meetings/{meeting_id}/invitees"

    removed = elus[3]
    assert removed.email
    response = client.delete(url, json={"person_id": removed.id, "reason": "Excusé"}, headers=headers)
    assert response.status_code == 204
    response = client.post(url, json={"person_id": guest.id, "reason": "Partenaire"}, headers=headers)
    assert response.status_code == 201
    send_all(app)
    by_recipient = {
        m["To"].addresses[0].addr_spec: calendar_of(m).method.value for m in received(smtp_server)
    }
    assert by_recipient == {removed.email: "CANCEL", "invitee@example.org": "REQUEST"}

    # The frozen list holds both changes.
    lines = {line["person_id"]: line for line in client.get(url, headers=headers).get_json()}
    assert removed.id not in lines
    assert lines[guest.id]["source"] == "manual"
    assert lines[guest.id]["reason"] == "Partenaire"
    assert {line["person_id"] for line in _invitations(client, headers, meeting_id)} == set(lines)


# Cancellation ----------------------------------------------------------------------------------------


def test_cancel_sends_cancel_to_every_invitee(
    app: Flask,
    client: FlaskClient,
    headers: dict[str, str],
    elus: list[Person],
    meeting_id: int,
    smtp_server: SmtpSink,
) -> None:
    convoke(client, headers, meeting_id)
    send_all(app)
    smtp_server.messages.clear()

    response = client.post(f"/api/v1/meetings/{meeting_id}/cancel", headers=headers)
    assert response.status_code == 200, response.get_json()
    cancelled = response.get_json()
    assert cancelled["id"] == meeting_id
    assert cancelled["status"] == "annulee"
    assert cancelled["status_label"] == "Annulée"
    assert cancelled["sequence"] == 1
    send_all(app)
    assert recipients(smtp_server) == emails_of(elus)
    assert methods_and_sequences(smtp_server) == {("CANCEL", 1)}
    assert {calendar_of(m).vevent.status.value for m in received(smtp_server)} == {"CANCELLED"}

    again = client.post(f"/api/v1/meetings/{meeting_id}/cancel", headers=headers)
    assert again.status_code == 409
    assert again.get_json()["message"] == "Cette réunion est « Annulée » : elle ne peut plus être modifiée."


def test_cancelling_a_draft_sends_nothing(
    app: Flask, client: FlaskClient, headers: dict[str, str], meeting_id: int, smtp_server: SmtpSink
) -> None:
    response = client.post(f"/api/v1/meetings/{meeting_id}/cancel", headers=headers)
    assert response.status_code == 200
    assert response.get_json()["status"] == "annulee"
    send_all(app)
    assert smtp_server.messages == []


# Roles and documentation -----------------------------------------------------------------------------


def test_lecteur_cannot_convoke_or_cancel(
    client: FlaskClient, api_token: Callable[..., str], meeting_id: int
) -> None:
    reader = bearer(api_token(UserRole.LECTEUR))
    for url in (f"/api/v1/meetings/{meeting_id}/invitations", f"/api/v1/meetings/{meeting_id}/cancel"):
        response = client.post(url, headers=reader)
        assert response.status_code == 403, url
        assert "organisateur" in response.get_json()["message"].lower()
        assert client.post(url).status_code == 401, url
    assert _meeting(meeting_id).status == MeetingStatus.BROUILLON
    assert db.session.scalar(select(func.count(Invitation.id))) == 0


def test_endpoints_are_documented(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    invitations = paths["/api/v1/meetings/{meeting_id}/invitations"]
    assert set(invitations) >= {"get", "post"}
    assert "202" in invitations["post"]["responses"]
    assert "409" in invitations["post"]["responses"]
    assert "409" in paths["/api/v1/meetings/{meeting_id}/cancel"]["post"]["responses"]
