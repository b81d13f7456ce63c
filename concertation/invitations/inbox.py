"""Applying what the organiser's mailbox brought: calendar answers, delivery failures, automatic replies and
the invitees' own messages. The reading is in notifications/inbox/; the poll that drives it in inbox_poll.py.

What each message does is decided here (plan_mail) from the rows its chunk refers to; inbox_apply.py loads
those rows, claims the messages' rows and writes the effects, a chunk at a time.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from concertation.accounts.models import User
from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.invitations.exceptions import AnswersClosed, InvalidAnswer
from concertation.invitations.inbox_models import ReceivedMail, ReceivedStatus
from concertation.invitations.models import Answer, AnswerSource, Invitation
from concertation.invitations.replies import PARTSTAT_ANSWERS
from concertation.invitations.services import checked_answer, record_answer
from concertation.meetings.models import Meeting
from concertation.notifications.ics import meeting_id_of
from concertation.notifications.inbox.bounces import Bounce
from concertation.notifications.inbox.classify import IncomingMail, MailKind

log = logging.getLogger(__name__)

# Clocks of mail clients drift: a DTSTAMP a few minutes after the arrival is not "in the future".
CLOCK_SKEW = timedelta(minutes=5)
VERP = re.compile(r"^[^+@]+\+(\d+)@")


@dataclass(frozen=True)
class InboxSettings:
    """What applying a message needs from the configuration."""

    uid_domain: str
    bounce_address: str = ""


@dataclass(frozen=True)
class SentRow:
    """The columns of an outbox row a bounce or a reply is matched on (not its raw bytes)."""

    id: int
    message_id: str
    meeting_id: int | None
    invitation_id: int | None
    recipient_email: str


@dataclass
class ChunkContext:
    """The rows a chunk of messages refers to, loaded with one query each (inbox_apply.load_context).

    `answered_at` and `refused` follow what the chunk's earlier messages did, as the database would.
    """

    meetings: dict[int, Meeting] = field(default_factory=dict)
    # (meeting id, lower-case address) -> the meeting's invitation at that address, not cancelled.
    invitations: dict[tuple[int, str], Invitation] = field(default_factory=dict)
    addresses: dict[int, set[str]] = field(default_factory=dict)
    by_message_id: dict[str, SentRow] = field(default_factory=dict)
    by_id: dict[int, SentRow] = field(default_factory=dict)
    # Address -> the messages sent there (state "envoyé"), newest first.
    sent_to: dict[str, list[SentRow]] = field(default_factory=dict)
    referenced: dict[int, Invitation] = field(default_factory=dict)
    next_invitation: dict[str, Invitation] = field(default_factory=dict)
    answered_at: dict[int, datetime | None] = field(default_factory=dict)
    refused: set[int] = field(default_factory=set)


@dataclass
class Plan:
    """What one message does: its row (status and columns), the answer it records, the refusals."""

    mail: IncomingMail
    status: ReceivedStatus
    values: dict[str, Any]
    answer: dict[str, Any] | None = None
    refusals: list[tuple[SentRow, Bounce]] = field(default_factory=list)


def plan_mail(
    mail: IncomingMail, context: ChunkContext, settings: InboxSettings, now: datetime
) -> Plan | None:
    """What to do with one message, None when it is none of the service's business (left in the mailbox)."""
    if mail.kind is MailKind.CALENDAR_REPLY:
        return _calendar_reply(mail, context, settings, now)
    if mail.kind is MailKind.BOUNCE:
        return _bounce(mail, context, settings)
    if mail.kind in (MailKind.AUTO_REPLY, MailKind.PERSON_REPLY):
        return _message(mail, context)
    return None


def _calendar_reply(
    mail: IncomingMail, context: ChunkContext, settings: InboxSettings, now: datetime
) -> Plan | None:
    reply = mail.reply
    assert reply is not None
    meeting_id = meeting_id_of(reply.uid)
    meeting = context.meetings.get(meeting_id) if meeting_id is not None else None
    if meeting is None:
        log.info("calendar reply for an unknown event %s left in the mailbox", reply.uid)
        return None
    invitation = context.invitations.get((meeting.id, reply.attendee_email.lower())) or (
        context.invitations.get((meeting.id, mail.sender)) if mail.sender else None
    )
    if invitation is None:
        log.warning(
            "calendar reply from unknown attendee %s for meeting %s", reply.attendee_email, meeting.id
        )
        return None
    answer = PARTSTAT_ANSWERS.get(reply.partstat)
    at = min(mail.arrived_at, now)
    if reply.dtstamp is not None and reply.dtstamp < at:
        at = reply.dtstamp
    base = {
        "meeting_id": meeting.id,
        "invitation_id": invitation.id,
        "proposed_answer": answer,
        "answered_at": at,
    }
    if reply.sequence < invitation.sequence_sent:
        return _noted(
            mail, ReceivedStatus.APPLIED, base, "Réponse à une version antérieure de l'invitation : ignorée."
        )
    if answer is None:
        return _noted(
            mail, ReceivedStatus.APPLIED, base, f"Réponse « {reply.partstat} » : rien à enregistrer."
        )
    doubts = _doubts(mail, invitation, meeting, context, settings)
    if doubts:
        return _noted(mail, ReceivedStatus.TO_READ, base, "À confirmer : " + " ; ".join(doubts) + ".")
    try:
        given = checked_answer(meeting, answer, source=AnswerSource.CALENDAR, comment=reply.comment)
    except (AnswersClosed, InvalidAnswer) as error:
        return _noted(mail, ReceivedStatus.APPLIED, base, str(error))
    # As record_answer: when two answers arrive, the later one wins.
    recorded_at = context.answered_at.get(invitation.id)
    applied = recorded_at is None or at >= recorded_at
    if applied:
        context.answered_at[invitation.id] = at
    note = (
        f"Réponse d'agenda enregistrée : {answer.label}."
        if applied
        else "Plus ancienne que la réponse déjà enregistrée : conservée pour mémoire."
    )
    plan = _noted(mail, ReceivedStatus.APPLIED, base, note)
    plan.answer = {
        "invitation_id": invitation.id,
        "answer": given.value,
        "represented_by": given.represented_by,
        "comment": given.comment,
        "source": AnswerSource.CALENDAR,
        "answered_at": at,
        "is_applied": applied,
        "note": "" if applied else "Réponse plus ancienne que la réponse enregistrée",
    }
    return plan


def _doubts(
    mail: IncomingMail,
    invitation: Invitation,
    meeting: Meeting,
    context: ChunkContext,
    settings: InboxSettings,
) -> list[str]:
    """Why a calendar answer cannot be trusted without the organiser (empty: apply it)."""
    reply = mail.reply
    assert reply is not None
    doubts = []
    host = reply.uid.rsplit("@", 1)[-1].lower()
    expected = (meeting.calendar_uid_domain or settings.uid_domain).lower()
    if host != expected:
        doubts.append(f"l'événement ({reply.uid}) n'a pas été envoyé par ce service (attendu @{expected})")
    if reply.sequence > invitation.sequence_sent:
        doubts.append(f"version {reply.sequence} jamais envoyée (dernière : {invitation.sequence_sent})")
    if mail.sender not in context.addresses.get(invitation.person_id, set()):
        doubts.append(
            f"envoyée par {mail.sender or 'une adresse inconnue'}, qui n'est pas l'adresse de l'invité(e)"
        )
    if reply.dtstamp is not None and reply.dtstamp > mail.arrived_at + CLOCK_SKEW:
        doubts.append("datée dans le futur")
    return doubts


def _noted(mail: IncomingMail, status: ReceivedStatus, values: dict[str, Any], note: str) -> Plan:
    return Plan(mail, status, {**values, "note": note[:500]})


def _outbox_for(bounce: Bounce, context: ChunkContext, settings: InboxSettings) -> SentRow | None:
    """The failed message: by its returned Message-ID, its VERP envelope, else the last one sent there."""
    found = context.by_message_id.get(bounce.original_message_id) if bounce.original_message_id else None
    if found is not None:
        return found
    if settings.bounce_address:
        for address in bounce.returned_to:
            match = VERP.match(address)
            if match and (found := context.by_id.get(int(match.group(1)))) is not None:
                return found
    return next(
        (row for row in context.sent_to.get(bounce.recipient, []) if row.id not in context.refused), None
    )


def _bounce(mail: IncomingMail, context: ChunkContext, settings: InboxSettings) -> Plan | None:
    matched = [(row, bounce) for bounce in mail.bounces if (row := _outbox_for(bounce, context, settings))]
    if not matched:
        log.info("bounce for no message of the service left in the mailbox: %s", mail.subject)
        return None
    context.refused.update(row.id for row, _ in matched)
    first = matched[0][0]
    note = "; ".join(f"{m.recipient_email} : refusé ({b.status} {b.text})".strip() for m, b in matched)
    values = {
        "meeting_id": first.meeting_id,
        "invitation_id": first.invitation_id,
        "outbox_message_id": first.id,
    }
    plan = _noted(mail, ReceivedStatus.APPLIED, values, note)
    plan.refusals = matched
    return plan


def invitation_of_message(mail: IncomingMail, context: ChunkContext) -> Invitation | None:
    """The invitation a message answers: the one whose email it quotes, else the sender's next meeting."""
    quoted = [context.by_message_id[ref] for ref in mail.references if ref in context.by_message_id]
    ids = [row.invitation_id for row in sorted(quoted, key=lambda row: -row.id) if row.invitation_id]
    if ids and ids[0] in context.referenced:
        return context.referenced[ids[0]]
    return context.next_invitation.get(mail.sender) if mail.sender else None


def _message(mail: IncomingMail, context: ChunkContext) -> Plan | None:
    invitation = invitation_of_message(mail, context)
    if invitation is None:
        return None
    values: dict[str, Any] = {"meeting_id": invitation.meeting_id, "invitation_id": invitation.id}
    if mail.kind is MailKind.AUTO_REPLY:
        until = f" : absent {mail.auto_until}" if mail.auto_until else ""
        return _noted(mail, ReceivedStatus.APPLIED, values, f"Réponse automatique{until}.")
    values.update(proposed_answer=guess_answer(mail.text), answered_at=mail.arrived_at)
    return _noted(mail, ReceivedStatus.TO_READ, values, "Message à lire.")


_QUOTE_START = re.compile(
    r"^(>|-{2,}\s*(original|message d'origine)|le .{5,80} a écrit|on .{5,80} wrote)", re.IGNORECASE
)
_GUESSES = (
    (
        Answer.REPRESENTE,
        re.compile(r"représent|me remplacer|mon adjoint|ma suppléante|mon suppléant", re.IGNORECASE),
    ),
    (
        Answer.ABSENT,
        re.compile(r"\babsente?\b|excus|ne (pourrai|serai) pas|pas présente?|empêché", re.IGNORECASE),
    ),
    (Answer.PEUT_ETRE, re.compile(r"peut[- ]être|pas encore sûr|incertain", re.IGNORECASE)),
    (
        Answer.PRESENT,
        re.compile(r"présente?\b|serai (là|des vôtres)|participerai|je viendrai", re.IGNORECASE),
    ),
)


def guess_answer(text: str) -> Answer | None:
    """The answer a person's own words give, read from their new lines only (not the quoted invitation)."""
    lines = []
    for line in text.splitlines():
        if _QUOTE_START.match(line.strip()):
            break
        lines.append(line)
    own = "\n".join(lines)
    return next((answer for answer, pattern in _GUESSES if pattern.search(own)), None)


def confirm(
    mail: ReceivedMail, answer: Answer | str, *, represented_by: str = "", by: User | None = None
) -> bool:
    """The organiser records the answer a message gives (one click); returns whether it was applied.

    A calendar answer keeps its source and its time, so that a later answer on the web still wins.
    """
    invitation = mail.invitation
    if invitation is None:
        raise InvalidAnswer("Ce message n'est rattaché à aucune invitation.")
    is_calendar = mail.kind is MailKind.CALENDAR_REPLY
    applied = record_answer(
        invitation,
        answer,
        source=AnswerSource.CALENDAR if is_calendar else AnswerSource.ORGANISER,
        represented_by=represented_by,
        at=mail.answered_at if is_calendar else None,
    )
    mark_read(mail, by=by)
    return applied


def mark_read(mail: ReceivedMail, *, by: User | None = None) -> None:
    mail.status = ReceivedStatus.READ
    mail.handled_at = now_utc()
    mail.handled_by_id = by.id if by is not None else None


def mails_of(meeting_id: int) -> dict[int, list[ReceivedMail]]:
    """The meeting's received messages by invitation, newest first (for the invitations page)."""
    rows = db.session.scalars(
        select(ReceivedMail)
        .where(ReceivedMail.meeting_id == meeting_id, ReceivedMail.invitation_id.is_not(None))
        .order_by(ReceivedMail.received_at.desc(), ReceivedMail.id.desc())
    )
    found: dict[int, list[ReceivedMail]] = {}
    for row in rows:
        assert row.invitation_id is not None
        found.setdefault(row.invitation_id, []).append(row)
    return found
