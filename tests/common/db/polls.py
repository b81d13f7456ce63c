"""Poll factories: a date poll proposed and sent on a draft Gévaudan concertation."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import Flask

from concertation.extensions import db
from concertation.meetings.models import Meeting
from concertation.notifications.emails import MailContext
from concertation.notifications.sender import SmtpSettings, drain
from concertation.polls import services
from concertation.polls.models import Poll
from tests.common.db.meetings import meeting, paris
from tests.common.db.people import gevaudan_elus
from tests.common.smtp import SmtpSink


def ctx(app: Flask) -> MailContext:
    return MailContext.from_config(app.config)


def slots(*starts: datetime, hours: int = 3) -> list[tuple[datetime, datetime]]:
    return [(start, start + timedelta(hours=hours)) for start in starts]


def draft_meeting(title: str = "Concertation du Gévaudan") -> Meeting:
    gevaudan_elus()
    found = meeting("concertation", siren="244800470", starts_at=paris(2027, 4, 20, 14), title=title)
    db.session.commit()
    return found


def sent_poll(
    app: Flask,
    target: Meeting | None = None,
    starts: tuple[datetime, ...] = (),
    deadline: datetime | None = None,
    message: str = "Merci de nous indiquer vos disponibilités.",
) -> Poll:
    """A poll of `target` (a new draft Gévaudan concertation by default), sent and committed."""
    target = target or draft_meeting()
    starts = starts or (paris(2027, 3, 9, 14), paris(2027, 3, 16, 9), paris(2027, 3, 23, 14))
    poll = services.create_poll(target, slots(*starts), deadline, message, None)
    services.send_poll(poll, ctx(app))
    db.session.commit()
    return poll


def deliver(app: Flask) -> None:
    drain(SmtpSettings.from_config(app.config))


def received(sink: SmtpSink) -> list[EmailMessage]:
    parsed = []
    for _, _, raw in sink.messages:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        parsed.append(message)
    return parsed
