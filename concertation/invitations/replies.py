"""iTIP REPLY ingestion: answers sent by calendar clients to the organiser's mailbox (ICAL.md point 22)."""

from __future__ import annotations

import email
import email.policy
import logging
from dataclasses import dataclass

from sqlalchemy import func, select

from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.invitations.exceptions import AnswersClosed, UnusableReply
from concertation.invitations.models import Answer, AnswerSource, Invitation
from concertation.invitations.services import record_answer
from concertation.notifications.ics import meeting_id_of
from concertation.notifications.ics_reply import calendar_parts, parse_reply
from concertation.notifications.ics_types import InvalidReply, PartStat, ReplyData

log = logging.getLogger(__name__)

PARTSTAT_ANSWERS = {
    PartStat.ACCEPTED: Answer.PRESENT,
    PartStat.DECLINED: Answer.ABSENT,
    PartStat.TENTATIVE: Answer.PEUT_ETRE,
}


@dataclass
class ReplyOutcome:
    """What happened to one REPLY, for the CLI, the logs and the IMAP job."""

    applied: bool
    message: str


def ingest_email(raw: bytes) -> ReplyOutcome:
    """Apply the first usable REPLY of an email; the caller commits."""
    parts = list(calendar_parts(email.message_from_bytes(raw, policy=email.policy.default)))
    if not parts:
        # A bare .ics file can be given too.
        if raw.lstrip().upper().startswith(b"BEGIN:VCALENDAR"):
            parts = [raw]
        else:
            raise UnusableReply("Aucune réponse d'agenda (text/calendar) dans ce message.")
    errors: list[str] = []
    for part in parts:
        try:
            reply = parse_reply(part)
        except InvalidReply as error:
            errors.append(str(error))
            continue
        return apply_reply(reply)
    raise UnusableReply(" ".join(errors))


def apply_reply(reply: ReplyData) -> ReplyOutcome:
    """Match UID then attendee address; ignore a REPLY to an older SEQUENCE; the later answer wins."""
    meeting_id = meeting_id_of(reply.uid)
    if meeting_id is None:
        raise UnusableReply(f"Réponse à un événement inconnu du service (UID {reply.uid}).")
    invitation = db.session.scalar(
        select(Invitation).where(
            Invitation.meeting_id == meeting_id,
            func.lower(Invitation.email) == reply.attendee_email,
            Invitation.cancelled_at.is_(None),
        )
    )
    if invitation is None:
        log.warning("iTIP REPLY from unknown attendee %s for meeting %s", reply.attendee_email, meeting_id)
        raise UnusableReply(
            f"Réponse de {reply.attendee_email}, qui n'est pas invité(e) à la réunion n° {meeting_id}."
        )
    if reply.sequence < invitation.sequence_sent:
        return ReplyOutcome(
            False,
            f"Réponse ignorée : elle porte sur une version antérieure de l'invitation "
            f"(SEQUENCE {reply.sequence} < {invitation.sequence_sent}).",
        )
    answer = PARTSTAT_ANSWERS.get(reply.partstat)
    if answer is None:
        return ReplyOutcome(False, f"Réponse « {reply.partstat} » ignorée : rien à enregistrer.")
    try:
        applied = record_answer(
            invitation,
            answer,
            source=AnswerSource.CALENDAR,
            comment=reply.comment,
            at=reply.dtstamp or now_utc(),
        )
    except AnswersClosed as error:
        return ReplyOutcome(False, str(error))
    if not applied:
        return ReplyOutcome(
            False, "Réponse plus ancienne que la réponse déjà enregistrée : conservée pour mémoire."
        )
    return ReplyOutcome(True, f"{invitation.person.full_name} : {answer.label}.")
