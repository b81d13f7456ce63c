"""A date poll: its proposed slots, its recipients (the invitees when it was sent), their answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from concertation.accounts.models import User
from concertation.core.labels import LabelledEnum
from concertation.core.timeutils import now_utc
from concertation.core.types import UTCDateTime, enum_type
from concertation.extensions import Model
from concertation.meetings.models import Meeting
from concertation.people.models import Person

MIN_SLOTS = 2
MAX_SLOTS = 8


class PollChoice(LabelledEnum):
    OUI = "oui", "Oui"
    SI_NECESSAIRE = "si_necessaire", "Si nécessaire"
    NON = "non", "Non"


class Poll(Model):
    """The poll of a draft meeting (one per meeting).

    `sent_at` is when its emails were queued; `closed_at` when it stopped taking answers (its deadline
    passed, or a slot was chosen); `chosen_position` the position of the chosen slot; `reminded_at`
    when the reminder to those who had not answered was queued (once).
    """

    __tablename__ = "poll"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), unique=True)
    message: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    chosen_position: Mapped[int | None]
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    meeting: Mapped[Meeting] = relationship()
    created_by: Mapped[User | None] = relationship()
    slots: Mapped[list[PollSlot]] = relationship(
        back_populates="poll", cascade="all, delete-orphan", order_by="PollSlot.position"
    )
    recipients: Mapped[list[PollRecipient]] = relationship(
        back_populates="poll", cascade="all, delete-orphan", order_by="PollRecipient.id"
    )

    def __repr__(self) -> str:
        return f"<Poll {self.id} meeting={self.meeting_id}>"


class PollSlot(Model):
    """A proposed half-day, stored in UTC (shown in Europe/Paris)."""

    __tablename__ = "poll_slot"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)

    poll: Mapped[Poll] = relationship(back_populates="slots")

    __table_args__ = (UniqueConstraint("poll_id", "position"),)


class PollRecipient(Model):
    """One invitee of the meeting when the poll was sent: the list is kept as it was asked.

    `email` is empty for an invitee without an address (an organiser phones and enters the answers:
    `entered_by_id`). `qualities` are the invitee's qualities at that time (maire de …, président(e) de
    la CC …, conseiller départemental …), which the grid's key counts read.
    """

    __tablename__ = "poll_recipient"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    qualities: Mapped[list[str]] = mapped_column(JSON, default=list)
    comment: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    poll: Mapped[Poll] = relationship(back_populates="recipients")
    person: Mapped[Person] = relationship()
    answers: Mapped[list[PollAnswer]] = relationship(back_populates="recipient", cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("poll_id", "person_id"),)


class PollAnswer(Model):
    """A recipient's choice for one slot; changed in place until the poll closes."""

    __tablename__ = "poll_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("poll_recipient.id", ondelete="CASCADE"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("poll_slot.id", ondelete="CASCADE"), index=True)
    choice: Mapped[PollChoice] = mapped_column(enum_type(PollChoice, 20))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    recipient: Mapped[PollRecipient] = relationship(back_populates="answers")
    slot: Mapped[PollSlot] = relationship()

    __table_args__ = (UniqueConstraint("recipient_id", "slot_id"),)
