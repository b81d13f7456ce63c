"""The organiser's grid of a poll: invitees × slots, with totals and the counts that decide a date.

Read by the grid page, its CSV and XLSX exports and the API, so that all of them say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from concertation.extensions import db
from concertation.meetings.composition import meeting_territory
from concertation.polls.keys import KeyCount, Keyed, flags, key_counts, standings
from concertation.polls.models import Poll, PollChoice, PollRecipient, PollSlot

__all__ = ["Grid", "GridRow", "KeyCount", "SlotTotals", "build_grid", "load_poll"]


@dataclass(frozen=True)
class GridRow:
    """One recipient: their choice per slot (None: not answered for that slot), in the slots' order."""

    recipient_id: int
    person_id: int
    name: str
    qualities: tuple[str, ...]
    email: str
    choices: tuple[PollChoice | None, ...]
    comment: str
    answered: bool
    # Entered by an organiser (an invitee without email, answered on the phone).
    entered: bool


@dataclass(frozen=True)
class SlotTotals:
    yes: int
    if_needed: int
    no: int
    pending: int


@dataclass(frozen=True)
class Grid:
    slots: tuple[PollSlot, ...]
    rows: tuple[GridRow, ...]
    totals: tuple[SlotTotals, ...]
    # The président(e) of the CC, the maires, the communes with their maire or a representative, the
    # conseillers départementaux (see keys.key_counts).
    key_counts: tuple[KeyCount, ...] = ()
    # Per slot, the key people who said "Non" (a slot to avoid), as French sentences.
    flags: tuple[tuple[str, ...], ...] = field(default=())


def load_poll(poll_id: int) -> Poll | None:
    """The poll with its slots, recipients (and their people) and answers, in a few queries."""
    return db.session.scalars(
        select(Poll)
        .where(Poll.id == poll_id)
        .options(
            selectinload(Poll.slots),
            selectinload(Poll.recipients).selectinload(PollRecipient.answers),
            selectinload(Poll.recipients).selectinload(PollRecipient.person),
        )
    ).first()


def build_grid(poll: Poll) -> Grid:
    """The grid of `poll` as stored now."""
    slots = tuple(poll.slots)
    rows = []
    for recipient in poll.recipients:
        by_slot = {answer.slot_id: answer.choice for answer in recipient.answers}
        rows.append(
            GridRow(
                recipient_id=recipient.id,
                person_id=recipient.person_id,
                name=recipient.person.full_name,
                qualities=tuple(recipient.qualities or ()),
                email=recipient.email,
                choices=tuple(by_slot.get(slot.id) for slot in slots),
                comment=recipient.comment,
                answered=recipient.answered_at is not None,
                entered=recipient.entered_by_id is not None,
            )
        )
    rows.sort(key=lambda row: (row.name.casefold(), row.recipient_id))
    totals = tuple(
        SlotTotals(
            yes=sum(row.choices[i] is PollChoice.OUI for row in rows),
            if_needed=sum(row.choices[i] is PollChoice.SI_NECESSAIRE for row in rows),
            no=sum(row.choices[i] is PollChoice.NON for row in rows),
            pending=sum(row.choices[i] is None for row in rows),
        )
        for i in range(len(slots))
    )
    territory = meeting_territory(poll.meeting)
    standing = standings(poll.recipients, territory, poll.meeting.on)
    civility = {recipient.id: recipient.person.civility for recipient in poll.recipients}
    keyed = [
        Keyed(row.name, civility[row.recipient_id], row.choices, standing[row.recipient_id]) for row in rows
    ]
    return Grid(
        slots=slots,
        rows=tuple(rows),
        totals=totals,
        key_counts=key_counts(keyed, territory, len(slots)),
        flags=flags(keyed, territory, len(slots)),
    )
