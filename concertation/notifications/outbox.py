"""Writing to the outbox and claiming due messages; the sender lives in sender.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, insert, or_, select, update

from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.notifications.addresses import UnwritableAddress
from concertation.notifications.bodies import EmailBody
from concertation.notifications.emails import MailContext
from concertation.notifications.mime import Attachment, as_bytes, build_simple_message
from concertation.notifications.models import DeliveryState, MessageKind, OutboxMessage

RETRYABLE_STATES = (DeliveryState.EN_ATTENTE, DeliveryState.ECHEC_TEMPORAIRE)


@dataclass(frozen=True)
class OutgoingEmail:
    """One message to write to the outbox (`enqueue_email`, `enqueue_many`)."""

    kind: MessageKind
    recipient_email: str
    recipient_name: str
    sender_email: str
    subject: str
    message_id: str
    raw: bytes
    meeting_id: int | None = None
    invitation_id: int | None = None
    # Not empty: the message could not be written (an address no email can carry); the row is
    # recorded as refused with this French reason, so that the organiser sees it and the others go.
    refusal: str = ""


def simple_email(
    ctx: MailContext,
    kind: MessageKind,
    *,
    to_name: str,
    to_email: str,
    subject: str,
    body: EmailBody,
    message_id: str,
    meeting_id: int | None = None,
    invitation_id: int | None = None,
    attachments: Sequence[Attachment] = (),
) -> OutgoingEmail:
    """A text + HTML email (reminders, minutes) from the service to one recipient, ready for the outbox;
    refused with the French reason when the recipient's address cannot be written."""
    try:
        message = build_simple_message(
            sender=ctx.sender,
            reply_to=ctx.reply_to,
            to_name=to_name,
            to_email=to_email,
            subject=subject,
            text_body=body.text,
            html_body=body.html,
            message_id=message_id,
            attachments=attachments,
        )
        raw, refusal = as_bytes(message), ""
    except UnwritableAddress as error:
        # An address stored before addresses were checked: that recipient is recorded as refused
        # and the others go.
        raw, refusal = b"", str(error)
    return OutgoingEmail(
        kind=kind,
        recipient_email=to_email,
        recipient_name=to_name,
        sender_email=ctx.sender_email,
        subject=subject,
        message_id=message_id,
        raw=raw,
        meeting_id=meeting_id,
        invitation_id=invitation_id,
        refusal=refusal,
    )


def _outbox_row(email: OutgoingEmail, now: datetime) -> dict[str, Any]:
    """The columns of `email`'s outbox row: due `now`, or refused with its reason (see `refusal`)."""
    row = asdict(email)
    refusal = row.pop("refusal")
    return {
        **row,
        "state": DeliveryState.REFUSE if refusal else DeliveryState.EN_ATTENTE,
        "last_reply": refusal,
        "next_attempt_at": None if refusal else now,
        "created_at": now,
    }


def enqueue_email(email: OutgoingEmail) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction (it is sent after the commit)."""
    message = OutboxMessage(**_outbox_row(email, now_utc()))
    db.session.add(message)
    return message


def enqueue_many(messages: Sequence[OutgoingEmail]) -> None:
    """Add messages to the outbox in the caller's transaction, with one multi-row INSERT.

    Unlike enqueue_email(), no OutboxMessage object enters the session: a convocation of hundreds
    would otherwise pay for as many ORM objects and flush them one statement per row.
    """
    if not messages:
        return
    now = now_utc()
    db.session.execute(insert(OutboxMessage), [_outbox_row(message, now) for message in messages])


def _due(now: datetime):  # type: ignore[no-untyped-def]
    return and_(
        OutboxMessage.state.in_(RETRYABLE_STATES),
        OutboxMessage.next_attempt_at.is_not(None),
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
    )


def claim_due(worker: str, *, limit: int, lease: timedelta, now: datetime | None = None) -> list[int]:
    """Lease up to `limit` due messages to `worker` and commit the lease; returns their ids.

    On PostgreSQL the candidate rows are locked with FOR UPDATE SKIP LOCKED, so two senders never
    take the same row; SQLite serialises writers, and the conditional UPDATE re-checks the lease.
    """
    now = now or now_utc()
    query = select(OutboxMessage.id).where(_due(now)).order_by(OutboxMessage.id).limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(query))
    if not ids:
        db.session.commit()
        return []
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), _due(now))
        .values(claimed_until=now + lease, claimed_by=worker)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount != len(ids):  # type: ignore[attr-defined]
        # Another sender took some of them between our SELECT and UPDATE (SQLite): keep only ours.
        ids = list(
            db.session.scalars(
                select(OutboxMessage.id).where(
                    OutboxMessage.id.in_(ids),
                    OutboxMessage.claimed_by == worker,
                    OutboxMessage.claimed_until == now + lease,
                )
            )
        )
    return ids


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min ... capped at 1 h between attempts."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def requeue(message: OutboxMessage) -> None:
    """The organiser's "renvoyer": send again as soon as possible (same Message-ID)."""
    message.state = DeliveryState.EN_ATTENTE
    message.next_attempt_at = now_utc()
    message.claimed_until = None
    message.claimed_by = None


def delivery_counts(meeting_id: int) -> dict[DeliveryState, int]:
    """How many of a meeting's messages are in each state (the progress bar)."""
    from sqlalchemy import func

    rows = db.session.execute(
        select(OutboxMessage.state, func.count())
        .where(OutboxMessage.meeting_id == meeting_id)
        .group_by(OutboxMessage.state)
    ).all()
    counts = dict.fromkeys(DeliveryState, 0)
    for state, n in rows:
        counts[DeliveryState(state)] = n
    return counts
