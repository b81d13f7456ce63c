"""The organiser's mailbox, read from a real Dovecot: what issue 13 must show."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from concertation.accounts.models import UserRole
from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.followup.engine import FollowupSettings
from concertation.followup.models import ReminderLog
from concertation.followup.services import run_reminders
from concertation.invitations.inbox_models import ReceivedMail, ReceivedStatus
from concertation.invitations.models import Answer, AnswerEvent, AnswerSource, Invitation
from concertation.notifications.emails import MailContext
from concertation.notifications.inbox.imap import DONE_FOLDER, TO_READ_FOLDER
from tests.common import mail_samples as messages
from tests.common.dovecot import Dovecot
from tests.common.mailbox import convoked_and_sent, message_id_of, poll, uid_of
from tests.common.smtp import SmtpSink


def _api_line(client: FlaskClient, token: str, meeting_id: int, person_id: int) -> dict[str, object]:
    response = client.get(
        f"/api/v1/meetings/{meeting_id}/invitations", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    return next(line for line in response.get_json() if line["person_id"] == person_id)


def _events(invitation_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count()).select_from(AnswerEvent).where(AnswerEvent.invitation_id == invitation_id)
        )
        or 0
    )


def test_outlook_reply_is_an_agenda_answer_applied_once(
    app: Flask,
    lozere: None,
    smtp_server: SmtpSink,
    dovecot: Dovecot,
    client: FlaskClient,
    api_token: Callable[..., str],
) -> None:
    meeting, emailed = convoked_and_sent(app)
    first = emailed[0]
    outlook = messages.reply_email("outlook", uid=uid_of(meeting), attendee=first.email or "")
    dovecot.append(outlook)

    output = poll(app)
    assert "1 traité" in output

    line = _api_line(client, api_token(UserRole.ORGANISATEUR), meeting.id, first.person_id)
    assert (line["answer"], line["answer_source"]) == ("present", "agenda")
    # The J-7 reminder goes to those without an answer only.
    seven_days_before = meeting.starts_at - timedelta(days=7) + timedelta(hours=1)
    run_reminders(seven_days_before, FollowupSettings(), MailContext.from_config(app.config))
    db.session.commit()
    reminded = set(db.session.scalars(select(ReminderLog.recipient_email)))
    assert reminded, "the others, without an answer, are reminded"
    assert first.email not in reminded

    # The same message again (a second scheduler, or a poll that died before the move): applied once.
    dovecot.append(outlook)
    assert "1 déjà traité" in poll(app)
    assert _events(first.id) == 1
    assert dovecot.count(DONE_FOLDER) == 2
    assert dovecot.count("INBOX") == 0


@pytest.mark.parametrize("form", ["gmail", "apple", "thunderbird"])
def test_other_clients_replies_are_applied(
    app: Flask, lozere: None, smtp_server: SmtpSink, dovecot: Dovecot, form: str
) -> None:
    meeting, emailed = convoked_and_sent(app)
    invitation = emailed[1]
    dovecot.append(
        messages.reply_email(form, uid=uid_of(meeting), attendee=invitation.email or "", partstat="DECLINED")
    )
    poll(app)
    refreshed = db.session.get(Invitation, invitation.id)
    assert refreshed is not None
    assert (refreshed.answer, refreshed.answer_source) == (Answer.ABSENT, AnswerSource.CALENDAR)


def test_bounce_out_of_office_and_untrusted_replies(
    app: Flask,
    lozere: None,
    smtp_server: SmtpSink,
    dovecot: Dovecot,
    client: FlaskClient,
    api_token: Callable[..., str],
) -> None:
    meeting, emailed = convoked_and_sent(app)
    bounced, away, foreign, future = emailed[1:5]
    dovecot.append(
        messages.dsn(bounced.email or "", message_id_of(bounced)),
        messages.out_of_office(away.email or "", message_id_of(away)),
        messages.reply_email(
            "outlook", uid=f"meeting-{meeting.id}@ailleurs.example", attendee=foreign.email or ""
        ),
        messages.reply_email(
            "gmail", uid=uid_of(meeting), attendee=future.email or "", dtstamp=now_utc() + timedelta(days=2)
        ),
        messages.noise(1),
    )
    poll(app)
    token = api_token(UserRole.ORGANISATEUR)
    delivery = _api_line(client, token, meeting.id, bounced.person_id)["delivery"]
    assert isinstance(delivery, dict)
    assert delivery["state"] == "refuse"
    assert "5.1.1" in delivery["last_reply"]
    for invitation in (away, foreign, future):
        assert _api_line(client, token, meeting.id, invitation.person_id)["answer"] == "en_attente"
    auto = db.session.scalars(select(ReceivedMail).where(ReceivedMail.invitation_id == away.id)).one()
    assert auto.auto_reply_until.startswith("jusqu'au 15 mars 2027")
    to_confirm = db.session.scalars(
        select(ReceivedMail).where(ReceivedMail.status == ReceivedStatus.TO_READ)
    ).all()
    assert {row.invitation_id for row in to_confirm} == {foreign.id, future.id}
    assert all(row.proposed_answer == Answer.PRESENT for row in to_confirm)
    assert dovecot.count(TO_READ_FOLDER) == 2
    assert dovecot.count(DONE_FOLDER) == 2
    assert dovecot.count("INBOX") == 1  # the newsletter, untouched
