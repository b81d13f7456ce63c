"""The outbox: every email is a row written in the transaction that decided to send it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from concertation.core.labels import LabelledEnum
from concertation.core.timeutils import now_utc
from concertation.core.types import UTCDateTime, enum_type
from concertation.extensions import Model


class DeliveryState(LabelledEnum):
    EN_ATTENTE = "en_attente", "En attente"
    ENVOYE = "envoye", "Envoyé"
    REFUSE = "refuse", "Refusé"
    ECHEC_TEMPORAIRE = "echec_temporaire", "Échec temporaire"


class MessageKind(StrEnum):
    INVITATION = "invitation"
    UPDATE = "modification"
    CANCEL = "annulation"
    REMINDER = "rappel"
    MINUTES = "compte_rendu"
    # "Prévenir les invités": the documents added or regenerated since the convocation.
    DOCUMENTS = "documents"
    # The date poll (polls/): the personal poll link, then the slot chosen; neither carries a calendar part.
    POLL = "sondage"
    POLL_RESULT = "sondage_resultat"
    OTHER = "autre"


class OutboxMessage(Model):
    """One email to one recipient, built once (so that a retry sends the very same bytes)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MessageKind] = mapped_column(enum_type(MessageKind, 20))
    recipient_email: Mapped[str] = mapped_column(String(254))
    recipient_name: Mapped[str] = mapped_column(String(200), default="")
    sender_email: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(500))
    message_id: Mapped[str] = mapped_column(String(300), unique=True)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitation.id", ondelete="SET NULL"), index=True
    )
    state: Mapped[DeliveryState] = mapped_column(
        enum_type(DeliveryState, 20), default=DeliveryState.EN_ATTENTE
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_code: Mapped[int | None]
    last_reply: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=now_utc)
    # A sender leases the rows it works on; a lease that expires (crash) makes the row due again.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_outbox_message_due", "state", "next_attempt_at"),)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.recipient_email} {self.state}>"
