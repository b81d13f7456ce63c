"""A convocation of hundreds: a bounded number of SQL statements, and every email still its invitee's own."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import vobject
from flask import Flask
from sqlalchemy import event, select

from bench._dataset import convocation_territory
from concertation.extensions import db
from concertation.invitations import changes, services
from concertation.invitations.models import Invitation
from concertation.meetings import invitees as meeting_invitees
from concertation.meetings.models import Meeting
from concertation.notifications.emails import MailContext
from concertation.notifications.models import OutboxMessage
from tests.common import db as f

INVITEES = 300


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _frozen_meeting() -> Meeting:
    siren = convocation_territory(INVITEES, siren="998000300")
    meeting = f.meeting("concertation", siren=siren, starts_at=f.paris(2027, 3, 9, 14))
    # Frozen beforehand: freeze_invitees (meetings) inserts its lines row by row on SQLite.
    assert len(meeting_invitees.freeze_invitees(meeting)) == INVITEES
    db.session.commit()
    return meeting


def test_convocation_of_hundreds_takes_a_bounded_number_of_statements(app: Flask) -> None:
    meeting = _frozen_meeting()
    ctx = MailContext.from_config(app.config)
    with counted_statements() as statements:
        report = services.convoke(meeting, ctx)
        db.session.commit()
    assert report.emails == INVITEES
    # Not one per invitee: a multi-row INSERT for the invitations, another for the outbox.
    assert len(statements) <= 15, statements
    assert sum(s.startswith("INSERT INTO invitation ") for s in statements) == 1
    assert sum(s.startswith("INSERT INTO outbox_message") for s in statements) == 1

    with counted_statements() as statements:
        changes.on_meeting_cancelled(meeting, ctx, was_convoked=True)
        db.session.commit()
    assert len(statements) <= 15, statements
    assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)) == 2 * INVITEES


def test_each_email_of_a_batch_is_its_invitee_own(app: Flask) -> None:
    meeting = _frozen_meeting()
    ctx = MailContext.from_config(app.config)
    services.convoke(meeting, ctx)
    db.session.commit()
    invitations = {i.id: i for i in db.session.scalars(select(Invitation))}
    rows = list(db.session.scalars(select(OutboxMessage)))
    assert len(rows) == len(invitations) == INVITEES
    links = set()
    for row in rows:
        invitation = invitations[row.invitation_id or 0]
        assert row.recipient_email == invitation.email
        assert row.message_id == f"<invitation-{invitation.id}-seq-0@{ctx.host}>"
        message = email.message_from_bytes(row.raw, policy=email.policy.default)
        assert message["Message-ID"] == row.message_id
        (to,) = message["To"].addresses
        assert to.addr_spec == invitation.email and to.display_name == invitation.person.full_name
        calendars = [
            p for p in message.walk() if p.get_content_type() in ("text/calendar", "application/ics")
        ]
        (ics,) = {bytes(p.get_payload(decode=True)) for p in calendars}  # type: ignore[arg-type]
        assert len(calendars) == 2
        calendar = vobject.readOne(ics.decode("utf-8"), validate=True)
        assert calendar.vevent.uid.value == f"meeting-{meeting.id}@{ctx.host}"
        assert calendar.vevent.attendee.value == f"mailto:{invitation.email}"
        link = calendar.vevent.description.value.rsplit(" : ", 1)[1]
        body = message.get_body(("plain",))
        assert body is not None and link in body.get_content()
        links.add(link)
    assert len(links) == INVITEES
