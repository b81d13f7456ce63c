"""The poll's two periodic pieces of work, run by followup's jobs: closing at the deadline, and one
reminder two days before it to those who have not answered.

Both are idempotent polls of the database (ARCHITECTURE.md, rule 8); the reminder is claimed by a
conditional UPDATE of `poll.reminded_at`, so two schedulers running at the same instant send it once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import CursorResult, exists, select, update
from sqlalchemy.orm import selectinload

from concertation.core.dates import format_day, format_time
from concertation.core.timeutils import PARIS, to_paris
from concertation.extensions import db
from concertation.notifications.emails import ORGANISER_CONTACT, MailContext
from concertation.notifications.models import MessageKind
from concertation.notifications.outbox import OutgoingEmail, enqueue_many
from concertation.polls.emails import batch_emails
from concertation.polls.models import Poll, PollAnswer, PollRecipient
from concertation.polls.slot_labels import slot_label
from concertation.polls.tokens import poll_url

REMINDER_DAYS_BEFORE = 2
# As the other reminders (FollowupSettings.send_from_hour): never in the night.
DEFAULT_SEND_FROM_HOUR = 8


def close_due_polls(now: datetime) -> int:
    """Close the sent polls whose deadline has passed (closed_at = their deadline); the caller commits.

    Returns how many were closed. The poll pages already refuse answers after the deadline; this makes
    the state say so for the lists and the API.
    """
    result = db.session.execute(
        update(Poll)
        .where(
            Poll.sent_at.is_not(None),
            Poll.closed_at.is_(None),
            Poll.deadline.is_not(None),
            Poll.deadline <= now,
        )
        .values(closed_at=Poll.deadline)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result)


def reminder_due_at(deadline: datetime, send_from_hour: int = DEFAULT_SEND_FROM_HOUR) -> datetime:
    """When the reminder leaves: `send_from_hour` (Paris) on the day two calendar days before the
    deadline's day in Paris, whatever the clock change between them (as UTC)."""
    day = to_paris(deadline).date() - timedelta(days=REMINDER_DAYS_BEFORE)
    return datetime.combine(day, time(send_from_hour), tzinfo=PARIS).astimezone(UTC)


def send_poll_reminders(
    now: datetime, ctx: MailContext, *, send_from_hour: int = DEFAULT_SEND_FROM_HOUR
) -> int:
    """Queue the due reminders: one email per recipient with an address and no answer at all, once per
    poll, in the caller's transaction. Returns how many emails were queued.

    A poll is due from `reminder_due_at` until its deadline, while open and not reminded; a poll sent on
    the reminder's day or later is not reminded (its invitation is fresh).
    """
    latest = now + timedelta(days=REMINDER_DAYS_BEFORE + 1)  # a due reminder's deadline is before this
    candidates = db.session.execute(
        select(Poll.id, Poll.deadline, Poll.sent_at).where(
            Poll.sent_at.is_not(None),
            Poll.closed_at.is_(None),
            Poll.reminded_at.is_(None),
            Poll.deadline > now,
            Poll.deadline <= latest,
        )
    ).all()
    queued = 0
    for poll_id, deadline, sent_at in list(candidates):
        assert deadline is not None and sent_at is not None
        due_at = reminder_due_at(deadline, send_from_hour)
        if now < due_at or to_paris(sent_at).date() >= to_paris(due_at).date():
            continue
        if _claim(poll_id, now):
            queued += _queue_reminders(poll_id, ctx)
    return queued


def _claim(poll_id: int, now: datetime) -> bool:
    """Mark the poll reminded unless someone did: on PostgreSQL a second scheduler's UPDATE waits for the
    first one's commit, then finds reminded_at set and changes nothing; SQLite serialises writers."""
    result = db.session.execute(
        update(Poll)
        .where(Poll.id == poll_id, Poll.reminded_at.is_(None), Poll.closed_at.is_(None))
        .values(reminded_at=now)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


def _rowcount(result: object) -> int:
    return int(result.rowcount) if isinstance(result, CursorResult) else 0


def _queue_reminders(poll_id: int, ctx: MailContext) -> int:
    poll = db.session.scalars(select(Poll).where(Poll.id == poll_id).options(selectinload(Poll.slots))).one()
    silent = db.session.scalars(
        select(PollRecipient)
        .where(
            PollRecipient.poll_id == poll_id,
            PollRecipient.email != "",
            PollRecipient.answered_at.is_(None),
            ~exists().where(PollAnswer.recipient_id == PollRecipient.id),
        )
        .options(selectinload(PollRecipient.person))
        .order_by(PollRecipient.id)
    ).all()
    enqueue_many(_reminders(poll, silent, ctx))
    return len(silent)


def _reminders(poll: Poll, recipients: Sequence[PollRecipient], ctx: MailContext) -> list[OutgoingEmail]:
    assert poll.deadline is not None
    common = {
        "meeting": poll.meeting,
        "deadline": f"{format_day(to_paris(poll.deadline).date())} à {format_time(poll.deadline)}",
        "slots": [slot_label(slot) for slot in poll.slots],
        "contact": dict(ORGANISER_CONTACT),
    }
    return batch_emails(
        ctx,
        MessageKind.REMINDER,
        recipients,
        f"Relance : sondage de date – {poll.meeting.title}",
        "poll_reminder",
        lambda recipient: {
            **common,
            "person": recipient.person,
            "poll_url": poll_url(ctx, recipient.id, poll.id),
        },
        key="sondage-relance",
    )
