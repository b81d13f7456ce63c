"""Reminders sent (each once, by a unique key), reminder opt-outs and job runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from concertation.core.labels import LabelledEnum
from concertation.core.timeutils import now_utc
from concertation.core.types import UTCDateTime, enum_type
from concertation.extensions import Model


class ReminderKind(LabelledEnum):
    UNANSWERED = "sans_reponse", "Relance des invités sans réponse (J-7)"
    EVE = "veille", "Rappel la veille aux invités présents (J-1)"
    ANNUAL_RENDEZ_VOUS = "rendez_vous_annuel", "Rendez-vous de Territoire annuel à programmer"
    CONTRACT_ANNIVERSARY = "anniversaire_contrat", "Anniversaire du contrat : point annuel"
    CONTRACT_ENDING = "fin_de_contrat", "Fin du contrat dans 6 mois : évaluation et contrat suivant"
    AMENDMENT_PENDING = "avenant_en_attente", "Avenant non signé depuis 3 mois"
    ACTION_DUE = "action_a_echeance", "Action à échéance dans 7 jours"
    ACTION_OVERDUE = "action_en_retard", "Action en retard"
    MINUTES_DRAFT = "compte_rendu_en_brouillon", "Compte rendu encore en brouillon 10 jours après la réunion"


class ReminderLog(Model):
    """A reminder, recorded before it is queued: the unique key makes a second send impossible."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReminderKind] = mapped_column(enum_type(ReminderKind, 40))
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[int]
    period: Mapped[str] = mapped_column(String(30))
    recipient_email: Mapped[str] = mapped_column(String(254))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"), index=True)
    contract_id: Mapped[int | None] = mapped_column(
        ForeignKey("contract.id", ondelete="SET NULL"), index=True
    )
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_message.id", ondelete="SET NULL")
    )
    summary: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)

    __table_args__ = (UniqueConstraint("kind", "object_type", "object_id", "period", "recipient_email"),)


class ReminderOptOut(Model):
    """A reminder kind turned off by an organiser for one meeting or one contract."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReminderKind] = mapped_column(enum_type(ReminderKind, 40))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    __table_args__ = (UniqueConstraint("kind", "meeting_id", "contract_id"),)


class JobRun(Model):
    """One run of a scheduler job, for `flask jobs list` and the organisers' page."""

    id: Mapped[int] = mapped_column(primary_key=True)
    job_name: Mapped[str] = mapped_column(String(60))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(20), default="en_cours")
    detail: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_job_run_name_started", "job_name", "started_at"),)
