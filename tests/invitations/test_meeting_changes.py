"""Changing or cancelling a convoked meeting: the organiser is told first, invitees by email and letter."""

from __future__ import annotations

import email
import email.policy
import html
import io
import re
from collections.abc import Callable
from email.message import EmailMessage

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from concertation.accounts.models import User
from concertation.extensions import db
from concertation.invitations import services
from concertation.invitations.models import Answer, AnswerSource, Channel, Invitation
from concertation.meetings.models import Meeting
from concertation.notifications.emails import MailContext
from concertation.notifications.models import MessageKind, OutboxMessage
from tests.common import db as f
from tests.common.http import csrf_token


def _convoked_with_answers(app: Flask) -> Meeting:
    """A convoked meeting with a "Représenté(e) par" answer, one entered by the organiser, one "présent"."""
    f.gevaudan_elus(without_email=2)
    meeting = f.meeting("concertation", siren="244800470", starts_at=f.paris(2027, 3, 9, 14))
    db.session.commit()
    services.convoke(meeting, MailContext.from_config(app.config))
    emailed = [i for i in services.invitations_of(meeting) if i.channel == Channel.EMAIL]
    services.record_answer(
        emailed[0], Answer.REPRESENTE, source=AnswerSource.LINK, represented_by="Son adjoint"
    )
    services.record_answer(emailed[1], Answer.ABSENT, source=AnswerSource.ORGANISER)
    services.record_answer(emailed[2], Answer.PRESENT, source=AnswerSource.LINK)
    db.session.commit()
    return meeting


def _edit_form(client: FlaskClient, meeting: Meeting, **overrides: str) -> dict[str, str]:
    data = {
        "csrf_token": csrf_token(client, f"/reunions/{meeting.id}/modifier"),
        "kind": "concertation",
        "sector": "",
        "intercommunality": "244800470",
        "title": meeting.title,
        "purpose": "diagnostic",
        "year": "",
        "other_purpose": "",
        "day": "2027-03-09",
        "start_time": "16:00",
        "end_time": "18:00",
        "location_name": "Salle des fêtes",
        "location_address": "",
        "location_commune": "",
        "agenda": "Accueil\r\nDiagnostic du territoire",
    }
    data.update(overrides)
    return data


def _answers(meeting: Meeting) -> list[str]:
    db.session.expire_all()
    return sorted(i.answer for i in services.invitations_of(meeting))


def _updates(meeting: Meeting) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.meeting_id == meeting.id, OutboxMessage.kind == MessageKind.UPDATE
            )
        )
    )


def _text(message: OutboxMessage) -> str:
    parsed = email.message_from_bytes(message.raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    body = parsed.get_body(preferencelist=("plain",))
    assert body is not None
    return re.sub(r"\s+", " ", body.get_content())


def _pdf_text(client: FlaskClient, meeting: Meeting) -> str:
    response = client.get(f"/reunions/{meeting.id}/courriers.pdf")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_time_change_asks_first_then_resets_and_says_what_changed(
    app: Flask, client: FlaskClient, lozere: None, login: Callable[..., User]
) -> None:
    meeting = _convoked_with_answers(app)
    login()
    before = _answers(meeting)

    first = client.post(f"/reunions/{meeting.id}/modifier", data=_edit_form(client, meeting))
    page = re.sub(r"\s+", " ", html.unescape(first.get_data(as_text=True)))
    assert first.status_code == 200
    assert "3 réponse(s) déjà reçue(s) (dont 1 « Représenté(e) par », 1 saisie(s) par l'organisateur)" in page
    assert "Seront envoyés : 13 courriel(s) de modification et 2 courrier(s) papier à imprimer." in page
    assert 'name="confirm" value="1"' in page and "Confirmer" in page
    # Nothing saved yet.
    assert _answers(meeting) == before
    assert _updates(meeting) == []
    db.session.refresh(meeting)
    assert meeting.starts_at == f.paris(2027, 3, 9, 14)

    confirmed = client.post(
        f"/reunions/{meeting.id}/modifier", data={**_edit_form(client, meeting), "confirm": "1"}
    )
    assert confirmed.status_code == 303
    assert set(_answers(meeting)) == {Answer.EN_ATTENTE}
    updates = _updates(meeting)
    assert len(updates) == 13
    assert all(m.subject.startswith("Nouvelle heure : ") for m in updates)
    text = _text(updates[0])
    assert (
        "Nouvelle heure : de 16 h 00 à 18 h 00 (au lieu de 14 h 00 à 17 h 00), le mardi 9 mars 2027" in text
    )
    assert "L'heure de la réunion à laquelle vous êtes invité(e) a changé." in text

    # The two invitees without email are listed for a "Modification" letter, which says what changed.
    index = re.sub(
        r"\s+", " ", html.unescape(client.get(f"/reunions/{meeting.id}/invitations").get_data(as_text=True))
    )
    assert "Nouveau courrier « Modification » à envoyer à 2 invité(e)(s)" in index
    letters = _pdf_text(client, meeting)
    assert letters.count("Modification : ") == 2
    assert "au lieu de 14 h 00 à 17 h 00" in letters


def test_date_change_email_gives_old_and_new_date(
    app: Flask, client: FlaskClient, lozere: None, login: Callable[..., User]
) -> None:
    meeting = _convoked_with_answers(app)
    login()
    data = {
        **_edit_form(client, meeting, day="2027-03-11", start_time="09:00", end_time="12:00"),
        "confirm": "1",
    }
    assert client.post(f"/reunions/{meeting.id}/modifier", data=data).status_code == 303
    updates = _updates(meeting)
    assert updates and all(m.subject.startswith("Modification : ") for m in updates)
    assert (
        "Nouvelle date : jeudi 11 mars 2027 de 9 h 00 à 12 h 00 "
        "(au lieu du mardi 9 mars 2027 de 14 h 00 à 17 h 00)" in _text(updates[0])
    )


def test_a_change_that_resets_nothing_is_saved_at_once(
    app: Flask, client: FlaskClient, lozere: None, login: Callable[..., User]
) -> None:
    """A change of title alone sends nothing: no confirmation step."""
    meeting = _convoked_with_answers(app)
    login()
    data = _edit_form(
        client, meeting, start_time="14:00", end_time="17:00", title="Concertation (titre revu)"
    )
    assert client.post(f"/reunions/{meeting.id}/modifier", data=data).status_code == 303
    assert Answer.REPRESENTE in _answers(meeting)


def test_api_patch_says_what_was_reset(
    app: Flask, client: FlaskClient, lozere: None, api_token: Callable[..., str]
) -> None:
    meeting = _convoked_with_answers(app)
    response = client.patch(
        f"/api/v1/meetings/{meeting.id}",
        json={"starts_at": "2027-03-09T16:00:00", "ends_at": "2027-03-09T18:00:00"},
        headers={"Authorization": f"Bearer {api_token()}"},
    )
    assert response.status_code == 200, response.get_json()
    notices = response.get_json()["notices"]
    assert any("3 réponse(s) déjà reçue(s)" in n and "13 courriel(s)" in n for n in notices), notices
    assert set(_answers(meeting)) == {Answer.EN_ATTENTE}


def test_cancelled_meeting_letters_say_annulation(
    app: Flask, client: FlaskClient, lozere: None, login: Callable[..., User]
) -> None:
    meeting = _convoked_with_answers(app)
    login()
    token = csrf_token(client, f"/reunions/{meeting.id}/invitations")
    response = client.post(f"/reunions/{meeting.id}/annuler", data={"csrf_token": token, "confirm": "y"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == "annulee"  # type: ignore[union-attr]
    index = re.sub(
        r"\s+", " ", html.unescape(client.get(f"/reunions/{meeting.id}/invitations").get_data(as_text=True))
    )
    assert "Nouveau courrier « Annulation » à envoyer à 2 invité(e)(s)" in index
    letters = _pdf_text(client, meeting)
    assert letters.count("Annulation : ") == 2
    assert "est annulée" in letters
    paper = db.session.scalars(select(Invitation).where(Invitation.channel == Channel.PAPER)).all()
    assert {i.letter_due for i in paper} == {"annulation"}
