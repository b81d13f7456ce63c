"""Invitations and their answers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from concertation.core.labels import LabelledEnum
from concertation.core.timeutils import now_utc
from concertation.core.types import UTCDateTime, enum_type
from concertation.extensions import Model
from concertation.meetings.models import Meeting, MeetingInvitee
from concertation.people.models import Person


class Answer(LabelledEnum):
    EN_ATTENTE = "en_attente", "Sans réponse"
    PRESENT = "present", "Présent(e)"
    ABSENT = "absent", "Absent(e)"
    REPRESENTE = "represente", "Représenté(e)"
    PEUT_ETRE = "peut_etre", "Peut-être"


class AnswerSource(StrEnum):
    LINK = "lien"
    CALENDAR = "agenda"
    ORGANISER = "organisateur"


class Channel(StrEnum):
    EMAIL = "email"
    PAPER = "papier"


class LetterDue(StrEnum):
    """What the next paper letter of an invitee without email announces."""

    CONVOCATION = ""
    MODIFICATION = "modification"
    ANNULATION = "annulation"


class Invitation(Model):
    """The convocation of one person to one meeting."""

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    invitee_id: Mapped[int] = mapped_column(ForeignKey("meeting_invitee.id", ondelete="CASCADE"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    channel: Mapped[Channel] = mapped_column(enum_type(Channel, 10))
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    answer: Mapped[Answer] = mapped_column(enum_type(Answer, 20), default=Answer.EN_ATTENTE)
    represented_by: Mapped[str] = mapped_column(String(300), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer_source: Mapped[AnswerSource | None] = mapped_column(enum_type(AnswerSource, 20))
    # SEQUENCE of the last calendar object sent to this person; older iTIP replies are ignored.
    sequence_sent: Mapped[int] = mapped_column(default=0)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The letter a paper invitee must be sent next: "" (the convocation), or LetterDue after a change.
    letter_due: Mapped[str] = mapped_column(String(20), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    meeting: Mapped[Meeting] = relationship()
    invitee: Mapped[MeetingInvitee] = relationship()
    person: Mapped[Person] = relationship()

    def __repr__(self) -> str:
        return f"<Invitation {self.id} meeting={self.meeting_id} person={self.person_id} {self.answer}>"

    @property
    def is_active(self) -> bool:
        return self.cancelled_at is None

    @property
    def answer_label(self) -> str:
        return represented_label(self.answer.label, self.answer == Answer.REPRESENTE, self.represented_by)


def represented_label(label: str, is_represented: bool, represented_by: str) -> str:
    """An answer or an attendance as shown: « Représenté par X » names who stands in."""
    if is_represented and represented_by:
        return f"{label} par {represented_by}"
    return label


class AnswerEvent(Model):
    """Every answer received, kept for the record even when a later one replaced it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitation.id", ondelete="CASCADE"), index=True)
    answer: Mapped[Answer] = mapped_column(enum_type(Answer, 20))
    represented_by: Mapped[str] = mapped_column(String(300), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[AnswerSource] = mapped_column(enum_type(AnswerSource, 20))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    is_applied: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str] = mapped_column(String(300), default="")


class InvitationReminder(Model):
    """One click on "Relancer les sans-réponse".

    The form carries a token drawn when the page was shown; it is unique here, so submitting the
    same form twice (double click, reload of the POST) finds the row and sends nothing more.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    email_count: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class DocumentNotice(Model):
    """One click on "Prévenir les invités" (documents added or regenerated after the convocation).

    Like InvitationReminder, the form's token is unique here: submitting the same form twice finds the
    row and sends nothing more.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    document_count: Mapped[int] = mapped_column(default=0)
    email_count: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
