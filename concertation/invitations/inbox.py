"""Applying what the organiser's mailbox brought: calendar answers, delivery failures, automatic replies and
the invitees' own messages. The reading is in notifications/inbox/; the poll that drives it in inbox_poll.py.

Each message is recorded (ReceivedMail, unique key) in the transaction that applies it, and the row is
claimed with INSERT ... ON CONFLICT DO NOTHING before any effect: a second poller waits for the first one's
commit, then finds the key taken and applies nothing.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from concertation.accounts.models import User
from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.invitations.exceptions import AnswersClosed, InvalidAnswer
from concertation.invitations.inbox_models import ReceivedMail, ReceivedStatus
from concertation.invitations.models import Answer, AnswerSource, Invitation
from concertation.invitations.replies import PARTSTAT_ANSWERS
from concertation.invitations.services import record_answer
from concertation.meetings.models import Meeting, MeetingStatus
from concertation.notifications.inbox.bounces import Bounce
from concertation.notifications.inbox.classify import IncomingMail, MailKind
from concertation.notifications.models import DeliveryState, OutboxMessage

log = logging.getLogger(__name__)

_UID = re.compile(r"^meeting-(\d+)@(.+)$", re.IGNORECASE)
# Clocks of mail clients drift: a DTSTAMP a few minutes after the arrival is not "in the future".
CLOCK_SKEW = timedelta(minutes=5)
_VERP = re.compile(r"^[^+@]+\+(\d+)@")


@dataclass(frozen=True)
class InboxSettings:
    """What applying a message needs from the configuration."""

    uid_domain: str
    bounce_address: str = ""


def apply_mail(
    mail: IncomingMail, settings: InboxSettings, *, now: datetime | None = None
) -> ReceivedStatus | None:
    """Record and apply one message in the caller's transaction.

    Returns its status (where to file it), the status recorded by a concurrent poller that handled it
    first, or None when the message is none of the service's business (left in the mailbox, untouched).
    """
    now = now or now_utc()
    if mail.kind is MailKind.CALENDAR_REPLY:
        return _calendar_reply(mail, settings, now)
    if mail.kind is MailKind.BOUNCE:
        return _bounce(mail, settings)
    if mail.kind in (MailKind.AUTO_REPLY, MailKind.PERSON_REPLY):
        return _message(mail, now)
    return None


def recorded_status(key: str) -> ReceivedStatus | None:
    """The status of an already recorded message, None if it is new."""
    status = db.session.scalar(select(ReceivedMail.status).where(ReceivedMail.key == key))
    return None if status is None else ReceivedStatus(status)


def _claim(mail: IncomingMail, status: ReceivedStatus, **values: Any) -> ReceivedMail | None:
    """Insert the message's row unless its key is taken (then wait for its owner's commit): None."""
    row = {
        "key": mail.key,
        "digest": mail.digest,
        "kind": mail.kind,
        "status": status,
        "sender_email": mail.sender[:254],
        "subject": mail.subject,
        "received_at": mail.arrived_at,
        "body": mail.text,
        "note": "",
        "auto_reply_until": mail.auto_until,
        "created_at": now_utc(),
        **values,
    }
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql.insert(ReceivedMail).on_conflict_do_nothing(index_elements=["key"])
    elif dialect == "sqlite":
        statement = sqlite.insert(ReceivedMail).on_conflict_do_nothing(index_elements=["key"])
    else:
        statement = insert(ReceivedMail)
    new_id = db.session.scalar(statement.values(row).returning(ReceivedMail.id))
    return None if new_id is None else db.session.get(ReceivedMail, new_id)


def _taken(mail: IncomingMail) -> ReceivedStatus | None:
    return recorded_status(mail.key)


def known_addresses(invitation: Invitation) -> set[str]:
    """The addresses a person may answer from: the invitation's, the person's, those of their invitations."""
    found = {invitation.email or "", invitation.person.email or ""}
    found.update(
        db.session.scalars(
            select(Invitation.email).where(
                Invitation.person_id == invitation.person_id, Invitation.email.is_not(None)
            )
        ).all()  # type: ignore[arg-type]
    )
    return {address.lower() for address in found if address}


def _calendar_reply(mail: IncomingMail, settings: InboxSettings, now: datetime) -> ReceivedStatus | None:
    reply = mail.reply
    assert reply is not None
    match = _UID.match(reply.uid)
    meeting = db.session.get(Meeting, int(match.group(1))) if match else None
    if match is None or meeting is None:
        log.info("calendar reply for an unknown event %s left in the mailbox", reply.uid)
        return None
    invitation = _meeting_invitation(meeting.id, reply.attendee_email) or _meeting_invitation(
        meeting.id, mail.sender
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
        return _done(
            mail, ReceivedStatus.APPLIED, base, "Réponse à une version antérieure de l'invitation : ignorée."
        )
    if answer is None:
        return _done(
            mail, ReceivedStatus.APPLIED, base, f"Réponse « {reply.partstat} » : rien à enregistrer."
        )
    doubts = _doubts(mail, invitation, meeting, settings)
    if doubts:
        return _done(mail, ReceivedStatus.TO_READ, base, "À confirmer : " + " ; ".join(doubts) + ".")
    row = _claim(mail, ReceivedStatus.APPLIED, **base)
    if row is None:
        return _taken(mail)
    try:
        applied = record_answer(
            invitation, answer, source=AnswerSource.CALENDAR, comment=reply.comment, at=at
        )
    except (AnswersClosed, InvalidAnswer) as error:
        row.note = str(error)[:500]
    else:
        row.note = (
            f"Réponse d'agenda enregistrée : {answer.label}."
            if applied
            else "Plus ancienne que la réponse déjà enregistrée : conservée pour mémoire."
        )
    return row.status


def _doubts(
    mail: IncomingMail, invitation: Invitation, meeting: Meeting, settings: InboxSettings
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
    if mail.sender not in known_addresses(invitation):
        doubts.append(
            f"envoyée par {mail.sender or 'une adresse inconnue'}, qui n'est pas l'adresse de l'invité(e)"
        )
    if reply.dtstamp is not None and reply.dtstamp > mail.arrived_at + CLOCK_SKEW:
        doubts.append("datée dans le futur")
    return doubts


def _done(
    mail: IncomingMail, status: ReceivedStatus, values: dict[str, Any], note: str
) -> ReceivedStatus | None:
    row = _claim(mail, status, **values, note=note[:500])
    return status if row is not None else _taken(mail)


def _meeting_invitation(meeting_id: int, address: str) -> Invitation | None:
    if not address:
        return None
    return db.session.scalar(
        select(Invitation).where(
            Invitation.meeting_id == meeting_id,
            func.lower(Invitation.email) == address.lower(),
            Invitation.cancelled_at.is_(None),
        )
    )


def _outbox_for(bounce: Bounce, settings: InboxSettings) -> OutboxMessage | None:
    """The failed message: by its returned Message-ID, its VERP envelope, else the last one sent there."""
    if bounce.original_message_id:
        found = db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.message_id == bounce.original_message_id)
        )
        if found is not None:
            return found
    if settings.bounce_address:
        for address in bounce.returned_to:
            match = _VERP.match(address)
            if match:
                found = db.session.get(OutboxMessage, int(match.group(1)))
                if found is not None:
                    return found
    return db.session.scalar(
        select(OutboxMessage)
        .where(
            func.lower(OutboxMessage.recipient_email) == bounce.recipient,
            OutboxMessage.state == DeliveryState.ENVOYE,
        )
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )


def _bounce(mail: IncomingMail, settings: InboxSettings) -> ReceivedStatus | None:
    matched = [(bounce, message) for bounce in mail.bounces if (message := _outbox_for(bounce, settings))]
    if not matched:
        log.info("bounce for no message of the service left in the mailbox: %s", mail.subject)
        return None
    first = matched[0][1]
    note = "; ".join(f"{m.recipient_email} : refusé ({b.status} {b.text})".strip() for b, m in matched)
    row = _claim(
        mail,
        ReceivedStatus.APPLIED,
        meeting_id=first.meeting_id,
        invitation_id=first.invitation_id,
        outbox_message_id=first.id,
        note=note[:500],
    )
    if row is None:
        return _taken(mail)
    for bounce, message in matched:
        message.state = DeliveryState.REFUSE
        message.last_code = bounce.code or (550 if bounce.status.startswith("5") else None)
        message.last_reply = f"{bounce.status} {bounce.text}".strip()[:1000]
        message.next_attempt_at = None
    return row.status


def invitation_of_message(mail: IncomingMail, now: datetime) -> Invitation | None:
    """The invitation a message answers: the one whose email it quotes, else the sender's next meeting."""
    if mail.references:
        found = db.session.scalar(
            select(Invitation)
            .join(OutboxMessage, OutboxMessage.invitation_id == Invitation.id)
            .where(OutboxMessage.message_id.in_(mail.references))
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )
        if found is not None:
            return found
    if not mail.sender:
        return None
    candidates = (
        select(Invitation)
        .join(Meeting, Meeting.id == Invitation.meeting_id)
        .where(
            func.lower(Invitation.email) == mail.sender,
            Invitation.cancelled_at.is_(None),
            Meeting.status == MeetingStatus.CONVOQUEE,
            Meeting.ends_at > now,
        )
        .order_by(Meeting.starts_at)
        .limit(1)
    )
    return db.session.scalar(candidates)


def _message(mail: IncomingMail, now: datetime) -> ReceivedStatus | None:
    invitation = invitation_of_message(mail, now)
    if invitation is None:
        return None
    values = {"meeting_id": invitation.meeting_id, "invitation_id": invitation.id}
    if mail.kind is MailKind.AUTO_REPLY:
        until = f" : absent {mail.auto_until}" if mail.auto_until else ""
        return _done(mail, ReceivedStatus.APPLIED, values, f"Réponse automatique{until}.")
    guessed = guess_answer(mail.text)
    return _done(
        mail,
        ReceivedStatus.TO_READ,
        {**values, "proposed_answer": guessed, "answered_at": mail.arrived_at},
        "Message à lire.",
    )


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
