"""Attendance, signed attendance sheets, minutes and their diffused versions, decisions, action items.

Meetings and contracts do not know this domain: every link is a column of these tables.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from concertation.accounts.models import User
from concertation.contracts.models import Amendment, Contract, ProjectSheet
from concertation.core.timeutils import now_utc
from concertation.core.types import UTCDateTime, enum_type
from concertation.core.uploads import StoredFileColumns
from concertation.extensions import Model
from concertation.invitations.models import represented_label
from concertation.meetings.models import AgendaItem, Meeting, MeetingInvitee
from concertation.minutes.enums import (
    ActionStatus,
    AttendanceStatus,
    AttendeeKind,
    DecisionKind,
    MinutesStatus,
)
from concertation.people.models import Person


class Attendance(Model):
    """One line of the attendance: an invitee (prefilled from the answers) or someone uninvited."""

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    invitee_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_invitee.id", ondelete="CASCADE"), unique=True
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[AttendeeKind] = mapped_column(enum_type(AttendeeKind, 20), default=AttendeeKind.INVITE)
    # Someone without a person record (a partner, an agent): the name and quality as typed.
    name: Mapped[str] = mapped_column(String(200), default="")
    quality: Mapped[str] = mapped_column(String(300), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[AttendanceStatus] = mapped_column(
        enum_type(AttendanceStatus, 20), default=AttendanceStatus.PRESENT
    )
    represented_by: Mapped[str] = mapped_column(String(300), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    meeting: Mapped[Meeting] = relationship()
    invitee: Mapped[MeetingInvitee | None] = relationship()
    person: Mapped[Person | None] = relationship()
    recorded_by: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)

    @property
    def display_name(self) -> str:
        return self.person.display_name if self.person is not None else self.name

    @property
    def status_label(self) -> str:
        return represented_label(
            self.status.label, self.status == AttendanceStatus.REPRESENTE, self.represented_by
        )

    @property
    def contact_email(self) -> str | None:
        if self.person is not None and self.person.email:
            return self.person.email
        return self.email or None


class AttendanceScan(StoredFileColumns, Model):
    """The signed attendance sheet, scanned: stored under the instance folder with a generated name."""

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    meeting: Mapped[Meeting] = relationship()
    uploaded_by: Mapped[User | None] = relationship()


class Minutes(Model):
    """The compte rendu of a meeting: brouillon → valide → diffuse; a correction opens a new version."""

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), unique=True)
    status: Mapped[MinutesStatus] = mapped_column(
        enum_type(MinutesStatus, 20), default=MinutesStatus.BROUILLON, index=True
    )
    version: Mapped[int] = mapped_column(default=1)
    # Why the version being written corrects the previous one (empty for the first version).
    correction_reason: Mapped[str] = mapped_column(Text, default="")
    validated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    diffused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    meeting: Mapped[Meeting] = relationship()
    validated_by: Mapped[User | None] = relationship()
    sections: Mapped[list[MinutesSection]] = relationship(
        back_populates="minutes", cascade="all, delete-orphan", order_by="MinutesSection.position"
    )
    versions: Mapped[list[MinutesVersion]] = relationship(
        back_populates="minutes", cascade="all, delete-orphan", order_by="MinutesVersion.number"
    )

    @property
    def is_draft(self) -> bool:
        return self.status == MinutesStatus.BROUILLON


class MinutesSection(Model):
    """A section of the minutes: one per agenda item, or a free one; its body is Markdown."""

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("minutes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    # The body rendered and cleaned when it was saved (minutes.markdown): pages, PDF and emails read this.
    body_html: Mapped[str] = mapped_column(Text, default="")

    minutes: Mapped[Minutes] = relationship(back_populates="sections")
    agenda_item: Mapped[AgendaItem | None] = relationship()

    @property
    def is_free(self) -> bool:
        return self.agenda_item_id is None


class MinutesVersion(Model):
    """A diffused version, kept as it was sent: its content (JSON) and its rendered HTML."""

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("minutes.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    html: Mapped[str] = mapped_column(Text)
    correction_reason: Mapped[str] = mapped_column(Text, default="")
    recipient_count: Mapped[int] = mapped_column(default=0)
    diffused_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    diffused_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    minutes: Mapped[Minutes] = relationship(back_populates="versions")
    diffused_by: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("minutes_id", "number"),)


class Decision(Model):
    """A decision of a meeting, linked to an agenda item; a typed one was applied to the contract.

    `change` keeps what undoing needs (a contracts `ProjectChange.as_dict()`, or the objects created).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id", ondelete="SET NULL"))
    kind: Mapped[DecisionKind] = mapped_column(enum_type(DecisionKind, 30), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(String(500))
    contract_id: Mapped[int | None] = mapped_column(
        ForeignKey("contract.id", ondelete="SET NULL"), index=True
    )
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("project_sheet.id", ondelete="SET NULL"), index=True
    )
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendment.id", ondelete="SET NULL"))
    change: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("contract_event.id", ondelete="SET NULL"))
    # The version of the minutes that diffused it; a diffused decision is no longer undone.
    published_version: Mapped[int | None]
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    meeting: Mapped[Meeting] = relationship()
    agenda_item: Mapped[AgendaItem | None] = relationship()
    contract: Mapped[Contract | None] = relationship()
    project: Mapped[ProjectSheet | None] = relationship()
    amendment: Mapped[Amendment | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    undone_by: Mapped[User | None] = relationship(foreign_keys=[undone_by_id])

    @property
    def is_active(self) -> bool:
        return self.undone_at is None

    @property
    def can_be_undone(self) -> bool:
        # Every kind can be undone; whether something relies on it since is checked when undoing.
        return self.is_active and self.published_version is None


class ActionItem(Model):
    """A follow-up action: an owner (a person or a service), a due date, a status, maybe a decision."""

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(500))
    owner_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    owner_service: Mapped[str] = mapped_column(String(200), default="")
    due_on: Mapped[date] = mapped_column(index=True)
    status: Mapped[ActionStatus] = mapped_column(
        enum_type(ActionStatus, 20), default=ActionStatus.A_FAIRE, index=True
    )
    done_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    meeting: Mapped[Meeting] = relationship()
    decision: Mapped[Decision | None] = relationship()
    owner_person: Mapped[Person | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    __table_args__ = (CheckConstraint("owner_person_id IS NOT NULL OR owner_service <> ''", name="owner"),)

    @property
    def owner_label(self) -> str:
        if self.owner_person is not None:
            return self.owner_person.display_name
        return self.owner_service

    @property
    def is_open(self) -> bool:
        return self.status.is_open
