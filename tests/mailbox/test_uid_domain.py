"""The UID and Message-ID domain is the meeting's, stored when it was first sent: moving the site or
changing CALENDAR_UID_DOMAIN afterwards orphans neither the élus' calendar entries nor their answers."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.followup.engine import FollowupSettings
from concertation.followup.services import run_reminders
from concertation.invitations.models import Answer, AnswerSource, Invitation
from concertation.notifications.emails import MailContext
from concertation.notifications.feeds import feed_calendar
from concertation.notifications.models import MessageKind, OutboxMessage
from tests.common import mail_samples as messages
from tests.common.dovecot import Dovecot
from tests.common.mailbox import convoked_and_sent, poll
from tests.common.smtp import SmtpSink


def test_changing_the_domain_after_convocation_keeps_old_invitations_answerable(
    app: Flask, lozere: None, smtp_server: SmtpSink, dovecot: Dovecot
) -> None:
    app.config["CALENDAR_UID_DOMAIN"] = "concertation.lozere.fr"
    meeting, emailed = convoked_and_sent(app)
    assert meeting.calendar_uid_domain == "concertation.lozere.fr"
    old_uid = f"meeting-{meeting.id}@concertation.lozere.fr"

    app.config.update(CALENDAR_UID_DOMAIN="agenda.lozere.gouv.fr", PUBLIC_URL="https://reunions.lozere.fr")
    invitation = emailed[0]
    dovecot.append(messages.reply_email("outlook", uid=old_uid, attendee=invitation.email or ""))
    assert "1 traité" in poll(app)
    refreshed = db.session.get(Invitation, invitation.id)
    assert refreshed is not None
    assert (refreshed.answer, refreshed.answer_source) == (Answer.PRESENT, AnswerSource.CALENDAR)

    # The feeds and the reminders keep the meeting's domain too.
    ctx = MailContext.from_config(app.config)
    assert ctx.host == "agenda.lozere.gouv.fr"
    feed = feed_calendar("Réunions", [meeting], host=ctx.host, dtstamp=now_utc())
    assert f"UID:{old_uid}".encode() in feed
    run_reminders(meeting.starts_at - timedelta(days=7) + timedelta(hours=1), FollowupSettings(), ctx)
    db.session.commit()
    reminder_ids = db.session.scalars(
        select(OutboxMessage.message_id).where(
            OutboxMessage.kind == MessageKind.REMINDER, OutboxMessage.meeting_id == meeting.id
        )
    ).all()
    assert reminder_ids
    assert all(message_id.endswith("@concertation.lozere.fr>") for message_id in reminder_ids)
