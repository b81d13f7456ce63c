"""The date poll's main flow: create and send it, answer it, choose a slot.

Every function runs in the caller's transaction (ARCHITECTURE rule 3): emails are outbox rows committed
with the change that required them. No poll email carries a calendar part: nothing reaches an élu's
agenda before the date is chosen and the meeting convoked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from concertation.accounts import audit
from concertation.accounts.audit import AuditAction
from concertation.accounts.models import User
from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.meetings.calendar import invitee_lines
from concertation.meetings.models import Meeting, MeetingStatus
from concertation.notifications.emails import MailContext
from concertation.notifications.outbox import enqueue_many
from concertation.polls import emails
from concertation.polls.exceptions import InvalidPoll, PollClosed, PollError, SlotAlreadyChosen
from concertation.polls.models import (
    MAX_SLOTS,
    MIN_SLOTS,
    Poll,
    PollAnswer,
    PollChoice,
    PollRecipient,
    PollSlot,
)

MAX_MESSAGE = 4000
NOT_A_DRAFT = "Un sondage de dates se prépare sur une réunion en brouillon, avant sa convocation."


@dataclass(frozen=True)
class SendReport:
    emails: int
    # Invitees without an address: the organiser phones them and enters their answers.
    to_phone: tuple[PollRecipient, ...]


def poll_of(meeting: Meeting) -> Poll | None:
    return db.session.scalar(select(Poll).where(Poll.meeting_id == meeting.id))


def is_open(poll: Poll, now: datetime | None = None) -> bool:
    """Sent, not closed, and before its deadline (a page after the deadline refuses answers even before
    the closing job ran)."""
    now = now or now_utc()
    return (
        poll.sent_at is not None and poll.closed_at is None and (poll.deadline is None or now < poll.deadline)
    )


def create_poll(
    meeting: Meeting,
    slots: Sequence[tuple[datetime, datetime]],
    deadline: datetime | None,
    message: str,
    user: User | None,
    *,
    now: datetime | None = None,
) -> Poll:
    """The poll of a draft meeting, not yet sent; slots are aware UTC (start, end), kept in date order."""
    now = now or now_utc()
    if meeting.status != MeetingStatus.BROUILLON:
        raise InvalidPoll(NOT_A_DRAFT)
    if poll_of(meeting) is not None:
        raise InvalidPoll("Cette réunion a déjà un sondage de dates.")
    _check_slots(slots, now)
    if deadline is not None:
        if deadline <= now:
            raise InvalidPoll("La date limite de réponse est déjà passée.", "deadline")
        if deadline > min(start for start, _ in slots):
            raise InvalidPoll("La date limite de réponse doit précéder le premier créneau.", "deadline")
    message = message.strip()
    if len(message) > MAX_MESSAGE:
        raise InvalidPoll(f"Le message dépasse {MAX_MESSAGE} caractères.", "message")
    poll = Poll(meeting=meeting, deadline=deadline, message=message, created_by=user)
    for position, (start, end) in enumerate(sorted(slots)):
        poll.slots.append(PollSlot(position=position, starts_at=start, ends_at=end))
    db.session.add(poll)
    db.session.flush()
    return poll


def _check_slots(slots: Sequence[tuple[datetime, datetime]], now: datetime) -> None:
    if len(slots) < MIN_SLOTS:
        raise InvalidPoll(f"Proposez au moins {MIN_SLOTS} créneaux.", "slots")
    if len(slots) > MAX_SLOTS:
        raise InvalidPoll(f"Proposez au plus {MAX_SLOTS} créneaux.", "slots")
    seen: set[tuple[datetime, datetime]] = set()
    for number, (start, end) in enumerate(slots, start=1):
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("slots must be aware datetimes")
        if end <= start:
            raise InvalidPoll(f"Créneau {number} : la fin doit suivre le début.", "slots")
        if start <= now:
            raise InvalidPoll(f"Créneau {number} : cette date est déjà passée.", "slots")
        if (start, end) in seen:
            raise InvalidPoll(f"Créneau {number} : ce créneau est proposé deux fois.", "slots")
        seen.add((start, end))


def discard_poll(poll: Poll) -> None:
    """Drop a poll not yet sent (the organiser starts the form again)."""
    if poll.sent_at is not None:
        raise PollError("Ce sondage est déjà envoyé : il ne peut plus être supprimé.")
    db.session.delete(poll)
    db.session.flush()


def send_poll(poll: Poll, ctx: MailContext, *, now: datetime | None = None) -> SendReport:
    """Record the invitees as recipients and queue one email per address; a second send is refused.

    The conditional UPDATE on `sent_at IS NULL` is the transaction's first write: two clicks on
    "Envoyer" meet there, and the second gets a French message instead of a second round of emails.
    """
    now = now or now_utc()
    meeting = poll.meeting
    if meeting.status != MeetingStatus.BROUILLON:
        raise PollError(NOT_A_DRAFT)
    claimed = db.session.execute(
        update(Poll)
        .where(Poll.id == poll.id, Poll.sent_at.is_(None))
        .values(sent_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise PollError("Ce sondage est déjà envoyé : rien n'est renvoyé.")
    poll.sent_at = now
    lines = invitee_lines(meeting)
    if not lines:
        raise PollError("La liste des invités est vide : vérifiez le périmètre et les règles de composition.")
    for line in lines:
        poll.recipients.append(
            PollRecipient(person=line.person, email=line.person.email or "", qualities=list(line.qualities))
        )
    db.session.flush()
    emailed = [r for r in poll.recipients if r.email]
    enqueue_many(emails.poll_emails(poll, emailed, ctx))
    by_phone = len(poll.recipients) - len(emailed)
    detail = f"{len(poll.slots)} créneau(x), {len(emailed)} courriel(s), {by_phone} par téléphone"
    audit.record(AuditAction.POLL_SENT, poll.meeting.journal_label, detail)
    return SendReport(emails=len(emailed), to_phone=tuple(r for r in poll.recipients if not r.email))


def answer(
    recipient: PollRecipient,
    choices: Mapping[int, PollChoice],
    comment: str,
    *,
    entered_by: User | None = None,
    now: datetime | None = None,
) -> None:
    """Record (or change) a recipient's choice for every slot, until the poll closes.

    `choices` maps slot ids to choices and must name every slot of the poll. `entered_by`: an
    organiser answering for the invitee (on the phone); the élu's own answer clears it.
    """
    now = now or now_utc()
    poll = recipient.poll
    if not is_open(poll, now):
        raise PollClosed()
    slot_ids = {slot.id for slot in poll.slots}
    if set(choices) != slot_ids:
        raise InvalidPoll("Répondez pour chaque créneau proposé.", "slots")
    existing = {a.slot_id: a for a in recipient.answers}
    for slot_id, choice in choices.items():
        row = existing.get(slot_id)
        if row is None:
            recipient.answers.append(PollAnswer(slot_id=slot_id, choice=PollChoice(choice), updated_at=now))
        elif row.choice != choice:
            row.choice = PollChoice(choice)
            row.updated_at = now
    recipient.comment = comment.strip()[:MAX_MESSAGE]
    recipient.answered_at = now
    recipient.entered_by_id = entered_by.id if entered_by is not None else None
    db.session.flush()


def choose_slot(
    poll: Poll, position: int, user: User | None, ctx: MailContext, *, now: datetime | None = None
) -> PollSlot:
    """The chosen slot becomes the meeting's date and time; the poll closes; every polled invitee with
    an address gets one result email. The organiser then convokes as usual.

    A conditional UPDATE (`chosen_position IS NULL`) makes a second click refuse instead of sending twice.
    """
    now = now or now_utc()
    meeting = poll.meeting
    if poll.sent_at is None:
        raise PollError("Ce sondage n'a pas encore été envoyé.")
    if meeting.status != MeetingStatus.BROUILLON:
        raise PollError(NOT_A_DRAFT)
    slot = next((s for s in poll.slots if s.position == position), None)
    if slot is None:
        raise InvalidPoll("Ce créneau n'existe pas dans le sondage.", "slot")
    if slot.starts_at <= now:
        raise InvalidPoll("Ce créneau est déjà passé : il ne peut plus être retenu.", "slot")
    claimed = db.session.execute(
        update(Poll)
        .where(Poll.id == poll.id, Poll.chosen_position.is_(None))
        .values(chosen_position=position, closed_at=poll.closed_at or now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise SlotAlreadyChosen()
    poll.chosen_position = position
    poll.closed_at = poll.closed_at or now
    meeting.starts_at, meeting.ends_at = slot.starts_at, slot.ends_at
    db.session.flush()
    enqueue_many(emails.result_emails(poll, slot, [r for r in poll.recipients if r.email], ctx))
    return slot


def chosen_slot(poll: Poll) -> PollSlot | None:
    if poll.chosen_position is None:
        return None
    return next((s for s in poll.slots if s.position == poll.chosen_position), None)


def declined_chosen(poll: Poll) -> list[PollRecipient]:
    """Those who answered "Non" to the chosen slot: pre-marked for the organiser (not answered for them)."""
    slot = chosen_slot(poll)
    if slot is None:
        return []
    return [
        r
        for r in poll.recipients
        if any(a.slot_id == slot.id and a.choice == PollChoice.NON for a in r.answers)
    ]
