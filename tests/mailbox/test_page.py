"""What the organiser sees of the mailbox on the invitations page, and the one-click answers."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from concertation.accounts.models import User
from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.invitations import services
from concertation.invitations.inbox_models import ReceivedMail, ReceivedStatus
from concertation.invitations.models import Answer, AnswerSource, Invitation
from tests.common import mail_samples as messages
from tests.common.dovecot import Dovecot
from tests.common.http import csrf_token
from tests.common.mailbox import convoked_and_sent, message_id_of, poll
from tests.common.smtp import SmtpSink


def _row(invitation_id: int) -> ReceivedMail:
    return db.session.scalars(select(ReceivedMail).where(ReceivedMail.invitation_id == invitation_id)).one()


def test_page_shows_refusal_auto_reply_and_messages_with_one_click_answers(
    app: Flask,
    lozere: None,
    smtp_server: SmtpSink,
    dovecot: Dovecot,
    client: FlaskClient,
    login: Callable[..., User],
) -> None:
    meeting, emailed = convoked_and_sent(app)
    bounced, away, writer, foreign = emailed[1:5]
    dovecot.append(
        messages.dsn(bounced.email or "", message_id_of(bounced)),
        messages.out_of_office(away.email or "", message_id_of(away)),
        messages.person_reply(
            writer.email or "", "Je serai présent, mon adjoint me représentera.", message_id_of(writer)
        ),
        messages.reply_email(
            "outlook",
            uid=f"meeting-{meeting.id}@ailleurs.example",
            attendee=foreign.email or "",
            dtstamp=now_utc() - timedelta(hours=2),
        ),
    )
    poll(app)
    login()
    url = f"/reunions/{meeting.id}/invitations"
    page = html.unescape(client.get(url).get_data(as_text=True))
    assert "5.1.1" in page
    assert f"courriers.pdf?invitation={bounced.id}" in page
    assert "Réponse automatique : absent(e) jusqu'au 15 mars 2027 inclus" in page
    assert "Je serai présent, mon adjoint me représentera." in page
    assert "Réponse d'agenda à confirmer" in page
    assert "n'a pas été envoyé par ce service" in page

    letter = client.get(f"/reunions/{meeting.id}/courriers.pdf?invitation={bounced.id}")
    assert letter.status_code == 200 and letter.mimetype == "application/pdf"

    message = _row(writer.id)
    assert message.proposed_answer == Answer.REPRESENTE
    token = csrf_token(client, url)
    response = client.post(
        f"/reunions/{meeting.id}/courriels-recus/{message.id}/reponse",
        data={"csrf_token": token, "answer": "represente", "represented_by": "Paul Roux, 1er adjoint"},
    )
    assert response.status_code == 303
    confirmed = _row(foreign.id)
    client.post(
        f"/reunions/{meeting.id}/courriels-recus/{confirmed.id}/reponse",
        data={"csrf_token": token, "answer": "present"},
    )
    db.session.expire_all()
    written = db.session.get(Invitation, writer.id)
    assert written is not None
    assert (written.answer, written.answer_source) == (Answer.REPRESENTE, AnswerSource.ORGANISER)
    assert written.represented_by == "Paul Roux, 1er adjoint"
    calendar = db.session.get(Invitation, foreign.id)
    assert calendar is not None
    # Confirmed, the calendar answer keeps its source and its own time (a later web answer still wins).
    assert (calendar.answer, calendar.answer_source) == (Answer.PRESENT, AnswerSource.CALENDAR)
    assert calendar.answered_at is not None and calendar.answered_at < now_utc() - timedelta(hours=1)
    assert {_row(writer.id).status, _row(foreign.id).status} == {ReceivedStatus.READ}
    page = html.unescape(client.get(url).get_data(as_text=True))
    assert "Réponse d'agenda à confirmer" not in page

    # What a one-click answer flashes: recorded, kept back by a later answer, refused, invalid.
    def flashed(mail: ReceivedMail, **data: str) -> str:
        response = client.post(
            f"/reunions/{meeting.id}/courriels-recus/{mail.id}/reponse",
            data={"csrf_token": token, **data},
            follow_redirects=True,
        )
        return html.unescape(response.get_data(as_text=True))

    assert "Réponse enregistrée d'après le message reçu." in flashed(_row(writer.id), answer="absent")
    later = db.session.get(Invitation, foreign.id)
    assert later is not None
    services.record_answer(later, Answer.ABSENT, source=AnswerSource.LINK)
    db.session.commit()
    kept = flashed(_row(foreign.id), answer="present")
    assert "Une réponse plus récente était déjà enregistrée : elle est conservée." in kept
    assert "Réponse enregistrée d'après le message reçu." not in kept
    assert "Indiquez le nom et la qualité de la personne qui vous représente." in flashed(
        _row(writer.id), answer="represente"
    )
    assert "Réponse invalide : choisissez une réponse." in flashed(_row(writer.id), answer="")
    db.session.expire_all()
    answered = db.session.scalars(select(Invitation).where(Invitation.id.in_([writer.id, foreign.id])))
    assert {i.id: i.answer for i in answered} == {writer.id: Answer.ABSENT, foreign.id: Answer.ABSENT}
