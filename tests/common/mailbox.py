"""A convoked meeting whose invitations went out through a real SMTP server, and the poll command."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from concertation.extensions import db
from concertation.invitations import services
from concertation.invitations.models import Channel, Invitation
from concertation.meetings.models import Meeting
from concertation.notifications.emails import MailContext
from concertation.notifications.models import OutboxMessage
from concertation.notifications.sender import SmtpSettings, drain
from tests.common import db as f


def convoked_and_sent(app: Flask) -> tuple[Meeting, list[Invitation]]:
    """A concertation convoked and its emails delivered; its emailed invitations."""
    f.gevaudan_elus()
    meeting = f.meeting("concertation", siren="244800470", starts_at=f.paris(2027, 3, 9, 14))
    db.session.commit()
    services.convoke(meeting, MailContext.from_config(app.config))
    db.session.commit()
    report = drain(SmtpSettings.from_config(app.config))
    assert report.sent > 3, report.summary()
    emailed = [i for i in services.invitations_of(meeting) if i.channel == Channel.EMAIL]
    return meeting, emailed


def uid_of(meeting: Meeting) -> str:
    return f"meeting-{meeting.id}@{meeting.calendar_uid_domain}"


def message_id_of(invitation: Invitation) -> str:
    return db.session.scalars(
        select(OutboxMessage.message_id).where(OutboxMessage.invitation_id == invitation.id)
    ).one()


def poll(app: Flask) -> str:
    """`flask mailbox poll`, through the app's CLI runner; its output."""
    result = app.test_cli_runner().invoke(args=["mailbox", "poll"])
    db.session.expire_all()  # the command committed in its own session: read afresh
    assert result.exit_code == 0, result.output
    return result.output
