"""Poll factories for the grid, its exports and its jobs: a poll written straight to the tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.meetings.composition import compute_invitees
from concertation.meetings.models import Meeting
from concertation.people.models import Person
from concertation.polls.models import Poll, PollAnswer, PollChoice, PollRecipient, PollSlot


def sent_poll(
    meeting: Meeting,
    extra: Sequence[tuple[Person, Sequence[str]]] = (),
    *,
    slots: int = 3,
    deadline: datetime | None = None,
    sent_at: datetime | None = None,
) -> Poll:
    """A sent poll of `meeting` to its computed invitees (with their qualities) and `extra` ones, with
    `slots` slots a week apart from the meeting's time."""
    poll = Poll(meeting=meeting, deadline=deadline, sent_at=sent_at or now_utc(), message="")
    for position in range(slots):
        starts_at = meeting.starts_at + timedelta(days=7 * position)
        poll.slots.append(
            PollSlot(position=position, starts_at=starts_at, ends_at=starts_at + timedelta(hours=3))
        )
    lines = [(line.person, line.qualities) for line in compute_invitees(meeting)]
    for person, qualities in [*lines, *extra]:
        poll.recipients.append(
            PollRecipient(person=person, email=person.email or "", qualities=list(qualities))
        )
    db.session.add(poll)
    db.session.flush()
    return poll


def recipient_of(poll: Poll, person: Person) -> PollRecipient:
    return next(recipient for recipient in poll.recipients if recipient.person_id == person.id)


def answer(poll: Poll, person: Person, *choices: PollChoice | None, at: datetime | None = None) -> None:
    """`person`'s choices for the poll's slots in order (None: that slot left blank)."""
    recipient = recipient_of(poll, person)
    for slot, choice in zip(poll.slots, choices, strict=False):
        if choice is not None:
            recipient.answers.append(PollAnswer(slot=slot, choice=choice))
    recipient.answered_at = at or now_utc()
    db.session.flush()
