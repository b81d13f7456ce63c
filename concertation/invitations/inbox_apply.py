"""Applying a chunk of received messages with set-based work: a few statements per chunk, not per message.

The rows the chunk refers to are loaded with one query each; what each message does is decided in
memory (inbox.plan_mail); then the messages' rows are claimed with one INSERT ... ON CONFLICT DO NOTHING
RETURNING and only the claimed ones take effect (answers, answer events, refusals, in bulk). A second
poller inserting the same keys waits for the first one's commit, then finds them taken and applies
nothing. The caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.invitations.inbox import (
    VERP,
    ChunkContext,
    InboxSettings,
    Plan,
    SentRow,
    plan_mail,
)
from concertation.invitations.inbox_models import ReceivedMail, ReceivedStatus
from concertation.invitations.models import AnswerEvent, Invitation
from concertation.meetings.models import Meeting, MeetingStatus
from concertation.notifications.ics import meeting_id_of
from concertation.notifications.inbox.classify import IncomingMail, MailKind, classify
from concertation.notifications.models import DeliveryState, OutboxMessage
from concertation.people.models import Person


@dataclass(frozen=True)
class Outcome:
    """Where a message goes: its status (None: left in the mailbox) and whether it was handled before."""

    status: ReceivedStatus | None
    already: bool = False


def _sent_rows(*conditions: Any) -> list[SentRow]:
    columns = (
        OutboxMessage.id,
        OutboxMessage.message_id,
        OutboxMessage.meeting_id,
        OutboxMessage.invitation_id,
        OutboxMessage.recipient_email,
    )
    rows = db.session.execute(select(*columns).where(*conditions).order_by(OutboxMessage.id.desc()))
    return [SentRow(*row) for row in rows]


def _lower(values: Iterable[str]) -> list[str]:
    return sorted({value.lower() for value in values if value})


def load_context(mails: Sequence[IncomingMail], settings: InboxSettings, now: datetime) -> ChunkContext:
    """The meetings, invitations, addresses and sent messages the chunk's messages refer to."""
    context = ChunkContext()
    replies = [mail for mail in mails if mail.reply is not None]
    meeting_ids = {meeting_id_of(mail.reply.uid) for mail in replies if mail.reply is not None} - {None}
    if meeting_ids:
        context.meetings = {
            m.id: m for m in db.session.scalars(select(Meeting).where(Meeting.id.in_(meeting_ids)))
        }
        addresses = _lower(
            [mail.reply.attendee_email for mail in replies if mail.reply] + [m.sender for m in replies]
        )
        found = db.session.scalars(
            select(Invitation)
            .where(
                Invitation.meeting_id.in_(context.meetings),
                func.lower(Invitation.email).in_(addresses),
                Invitation.cancelled_at.is_(None),
            )
            .order_by(Invitation.id.desc())
        )
        context.invitations = {(i.meeting_id, (i.email or "").lower()): i for i in found}
        _load_people(context)
    bounces = [bounce for mail in mails for bounce in mail.bounces]
    quoted = {bounce.original_message_id for bounce in bounces if bounce.original_message_id}
    quoted.update(ref for mail in mails if mail.kind is not MailKind.BOUNCE for ref in mail.references)
    if quoted:
        context.by_message_id = {
            row.message_id: row for row in _sent_rows(OutboxMessage.message_id.in_(quoted))
        }
    verp = {int(m.group(1)) for b in bounces for a in b.returned_to if (m := VERP.match(a))}
    if verp and settings.bounce_address:
        context.by_id = {row.id: row for row in _sent_rows(OutboxMessage.id.in_(verp))}
    if recipients := _lower(bounce.recipient for bounce in bounces):
        sent = _sent_rows(
            func.lower(OutboxMessage.recipient_email).in_(recipients),
            OutboxMessage.state == DeliveryState.ENVOYE,
        )
        for row in sent:
            context.sent_to.setdefault(row.recipient_email.lower(), []).append(row)
    _load_message_invitations(
        context, [m for m in mails if m.kind in (MailKind.AUTO_REPLY, MailKind.PERSON_REPLY)], now
    )
    return context


def _load_people(context: ChunkContext) -> None:
    """The addresses each matched person may answer from, and when each invitation was last answered."""
    invitations = list(context.invitations.values())
    person_ids = {i.person_id for i in invitations}
    context.answered_at = {i.id: i.answered_at for i in invitations}
    rows: list[tuple[int, str | None]] = []
    rows += db.session.execute(
        select(Invitation.person_id, Invitation.email).where(
            Invitation.person_id.in_(person_ids), Invitation.email.is_not(None)
        )
    ).all()
    rows += db.session.execute(select(Person.id, Person.email).where(Person.id.in_(person_ids))).all()
    for person_id, address in rows:
        if address:
            context.addresses.setdefault(person_id, set()).add(address.lower())


def _load_message_invitations(context: ChunkContext, mails: list[IncomingMail], now: datetime) -> None:
    """For the persons' own messages: the invitations they quote, and each sender's next meeting."""
    if not mails:
        return
    quoted_ids = {row.invitation_id for row in context.by_message_id.values() if row.invitation_id}
    if quoted_ids:
        found = db.session.scalars(select(Invitation).where(Invitation.id.in_(quoted_ids)))
        context.referenced = {i.id: i for i in found}
    if senders := _lower(mail.sender for mail in mails):
        upcoming = db.session.scalars(
            select(Invitation)
            .join(Meeting, Meeting.id == Invitation.meeting_id)
            .where(
                func.lower(Invitation.email).in_(senders),
                Invitation.cancelled_at.is_(None),
                Meeting.status == MeetingStatus.CONVOQUEE,
                Meeting.ends_at > now,
            )
            .order_by(Meeting.starts_at.desc())
        )
        # Ordered latest first: the earliest meeting is the one left in the dictionary.
        context.next_invitation = {(i.email or "").lower(): i for i in upcoming}


def _row(plan: Plan, created_at: datetime) -> dict[str, Any]:
    mail = plan.mail
    return {
        "meeting_id": None,
        "invitation_id": None,
        "outbox_message_id": None,
        "proposed_answer": None,
        "answered_at": None,
        "note": "",
        "key": mail.key,
        "digest": mail.digest,
        "kind": mail.kind,
        "status": plan.status,
        "sender_email": mail.sender[:254],
        "subject": mail.subject,
        "received_at": mail.arrived_at,
        "body": mail.text,
        "auto_reply_until": mail.auto_until,
        "created_at": created_at,
        **plan.values,
    }


def _claim(plans: list[Plan]) -> set[str]:
    """Insert the plans' rows, keys in order (two pollers lock them in the same order); the keys won."""
    if not plans:
        return set()
    created_at = now_utc()
    rows = [_row(plan, created_at) for plan in sorted(plans, key=lambda plan: plan.mail.key)]
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql.insert(ReceivedMail).on_conflict_do_nothing(index_elements=["key"])
    elif dialect == "sqlite":
        statement = sqlite.insert(ReceivedMail).on_conflict_do_nothing(index_elements=["key"])
    else:
        statement = insert(ReceivedMail)
    # Every row has the same columns, and the statement goes to the connection, not through the ORM's
    # bulk path: one multi-row INSERT per page (insertmanyvalues) instead of a statement per row group.
    connection = db.session.connection()
    return set(connection.execute(statement.returning(ReceivedMail.key), rows).scalars())


def _statuses(keys: Iterable[str]) -> dict[str, ReceivedStatus]:
    keys = list(keys)
    if not keys:
        return {}
    rows = db.session.execute(select(ReceivedMail.key, ReceivedMail.status).where(ReceivedMail.key.in_(keys)))
    return {key: ReceivedStatus(status) for key, status in rows}


def _write_effects(plans: list[Plan]) -> None:
    """The claimed messages' answers, answer events and refusals, in bulk (ids in order: no deadlock)."""
    events = [plan.answer for plan in plans if plan.answer is not None]
    if events:
        db.session.execute(insert(AnswerEvent), events)
        latest = {event["invitation_id"]: event for event in events if event["is_applied"]}
        changes = [
            {
                "id": invitation_id,
                "answer": event["answer"],
                "represented_by": "",
                "comment": event["comment"],
                "answered_at": event["answered_at"],
                "answer_source": event["source"],
            }
            for invitation_id, event in sorted(latest.items())
        ]
        if changes:
            db.session.execute(update(Invitation), changes)
    refusals = {
        row.id: {
            "id": row.id,
            "state": DeliveryState.REFUSE,
            "last_code": bounce.code or (550 if bounce.status.startswith("5") else None),
            "last_reply": f"{bounce.status} {bounce.text}".strip()[:1000],
            "next_attempt_at": None,
        }
        for plan in plans
        for row, bounce in plan.refusals
    }
    if refusals:
        db.session.execute(update(OutboxMessage), [refusals[key] for key in sorted(refusals)])


def apply_chunk(
    mails: Sequence[IncomingMail], settings: InboxSettings, *, now: datetime | None = None
) -> list[Outcome]:
    """Record and apply a chunk of messages in the caller's transaction; one outcome per message, in order."""
    now = now or now_utc()
    known = _statuses({mail.key for mail in mails if mail.kind is not MailKind.OTHER})
    fresh: dict[str, IncomingMail] = {}
    for mail in mails:
        if mail.kind is not MailKind.OTHER and mail.key not in known:
            fresh.setdefault(mail.key, mail)
    context = load_context(list(fresh.values()), settings, now)
    plans = {key: plan for key, mail in fresh.items() if (plan := plan_mail(mail, context, settings, now))}
    won = _claim(list(plans.values()))
    _write_effects([plan for key, plan in plans.items() if key in won])
    # Taken by a concurrent poller between our reading and our claim: its status, applied once.
    known.update(_statuses(key for key in plans if key not in won))
    outcomes = []
    first_seen: set[str] = set()
    for mail in mails:
        if mail.kind is MailKind.OTHER or (mail.key in fresh and mail.key not in plans):
            outcomes.append(Outcome(None))
        elif mail.key in won and mail.key not in first_seen:
            first_seen.add(mail.key)
            outcomes.append(Outcome(plans[mail.key].status))
        else:
            outcomes.append(Outcome(known.get(mail.key) or plans[mail.key].status, already=True))
    return outcomes


# A bare .ics file given to `flask invitations ingest-reply` is read as a message that holds it, with no
# sender: its answer is then shown for an organiser to confirm, like any reply from an unknown address.
_BARE_CALENDAR_HEAD = b"Content-Type: text/calendar; method=REPLY; charset=utf-8\r\n\r\n"


def apply_saved_message(
    raw: bytes, settings: InboxSettings, now: datetime | None = None
) -> tuple[Outcome, str]:
    """Apply one message saved from the mailbox (.eml) or a bare .ics file, with the poll's rules.

    Returns its outcome and the note recorded with it; the caller commits.
    """
    if raw.lstrip().upper().startswith(b"BEGIN:VCALENDAR"):
        raw = _BARE_CALENDAR_HEAD + raw.lstrip()
    mail = classify(raw, now=now)
    (outcome,) = apply_chunk([mail], settings, now=now)
    if outcome.status is None:
        return outcome, ""
    note = db.session.scalar(select(ReceivedMail.note).where(ReceivedMail.key == mail.key))
    return outcome, note or ""
