"""What the organiser's mailbox brought: one row per message handled, and the state of each mailbox read."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from concertation.core.timeutils import now_utc
from concertation.core.types import UTCDateTime, enum_type
from concertation.extensions import Model
from concertation.invitations.models import Answer, Invitation
from concertation.notifications.inbox.classify import MailKind


class ReceivedStatus(StrEnum):
    APPLIED = "traite"
    TO_READ = "a_lire"
    READ = "lu"

    @property
    def label(self) -> str:
        return {"traite": "Traité", "a_lire": "À lire", "lu": "Lu"}[self.value]


class ReceivedMail(Model):
    """A message of the mailbox, recorded in the transaction that applied it.

    `key` (its Message-ID, or its digest) is unique: a second poll, a second scheduler or a poll that
    died before moving the message finds the row and applies nothing again.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    digest: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[MailKind] = mapped_column(enum_type(MailKind, 20))
    status: Mapped[ReceivedStatus] = mapped_column(enum_type(ReceivedStatus, 10))
    sender_email: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(500), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitation.id", ondelete="SET NULL"), index=True
    )
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_message.id", ondelete="SET NULL")
    )
    # The answer the message gives (a calendar reply to confirm, or guessed from a person's words).
    proposed_answer: Mapped[Answer | None] = mapped_column(enum_type(Answer, 20))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    body: Mapped[str] = mapped_column(Text, default="")
    # What was done with it, or why it was not applied, in French.
    note: Mapped[str] = mapped_column(String(500), default="")
    auto_reply_until: Mapped[str] = mapped_column(String(100), default="")
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    invitation: Mapped[Invitation | None] = relationship()

    def __repr__(self) -> str:
        return f"<ReceivedMail {self.id} {self.kind} {self.status} {self.key}>"


class MailboxPoll(Model):
    """One mailbox's reading: how far it was read, its last success, its failures and their backoff."""

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(300), unique=True)
    uid_validity: Mapped[int | None]
    last_uid: Mapped[int] = mapped_column(default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
