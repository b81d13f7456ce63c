"""Contrats territoriaux, fiches projets, avenants, fonds de réserve and the history of every change.

Money is `Decimal` in `Numeric(14, 2)` columns, never float.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from concertation.accounts.models import User
from concertation.contracts.enums import (
    AmendmentChangeKind,
    ContractStage,
    DiagnosticHeading,
    OwnerKind,
    PreCheck,
    ProjectStatus,
    SignatoryKind,
    Theme,
)
from concertation.contracts.money import MONEY, ZERO
from concertation.core.timeutils import now_utc
from concertation.core.types import UTCDateTime, enum_type
from concertation.core.uploads import StoredFileColumns
from concertation.extensions import Model
from concertation.territory.models import Commune, Intercommunality, Syndicate

# Diagnostic heading -> column of the contract.
DIAGNOSTIC_COLUMNS: dict[DiagnosticHeading, str] = {
    DiagnosticHeading.ATOUTS: "diagnostic_strengths",
    DiagnosticHeading.FAIBLESSES: "diagnostic_weaknesses",
    DiagnosticHeading.DYNAMIQUES: "diagnostic_dynamics",
    DiagnosticHeading.ENJEUX: "diagnostic_stakes",
}


def _body_name(default: str, *bodies: Commune | Intercommunality | Syndicate | None) -> str:
    """The name of the first body set (a row names one commune, CC or syndicate at most), or `default`."""
    return next((body.name for body in bodies if body is not None), default)


class Contract(Model):
    """One contrat territorial: a CC's territory over a period (3 years by default)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    intercommunality_id: Mapped[int] = mapped_column(ForeignKey("intercommunality.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    stage: Mapped[ContractStage] = mapped_column(
        enum_type(ContractStage, 20), default=ContractStage.DIAGNOSTIC, index=True
    )
    # Credits allocated by the Département to the plan (enveloppe).
    envelope: Mapped[Decimal] = mapped_column(MONEY, default=ZERO)
    diagnostic_strengths: Mapped[str] = mapped_column(Text, default="")
    diagnostic_weaknesses: Mapped[str] = mapped_column(Text, default="")
    diagnostic_dynamics: Mapped[str] = mapped_column(Text, default="")
    diagnostic_stakes: Mapped[str] = mapped_column(Text, default="")
    evaluation: Mapped[str] = mapped_column(Text, default="")
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    intercommunality: Mapped[Intercommunality] = relationship()
    stage_changes: Mapped[list[StageChange]] = relationship(
        back_populates="contract", cascade="all, delete-orphan", order_by="StageChange.id"
    )
    signatories: Mapped[list[Signatory]] = relationship(
        back_populates="contract", cascade="all, delete-orphan", order_by="Signatory.id"
    )
    documents: Mapped[list[ContractDocument]] = relationship(
        back_populates="contract", cascade="all, delete-orphan", order_by="ContractDocument.id"
    )
    projects: Mapped[list[ProjectSheet]] = relationship(
        back_populates="contract", cascade="all, delete-orphan", order_by="ProjectSheet.number"
    )
    amendments: Mapped[list[Amendment]] = relationship(
        back_populates="contract", cascade="all, delete-orphan", order_by="Amendment.number"
    )
    reserve_grants: Mapped[list[ReserveGrant]] = relationship(
        back_populates="contract", cascade="all, delete-orphan", order_by="ReserveGrant.decided_on"
    )

    __table_args__ = (
        CheckConstraint("ends_on > starts_on", name="dates"),
        CheckConstraint("envelope >= 0", name="envelope"),
    )

    def __repr__(self) -> str:
        return f"<Contract {self.id} {self.title}>"

    @property
    def period_label(self) -> str:
        return f"{self.starts_on.year}-{self.ends_on.year}"

    def diagnostic(self, heading: DiagnosticHeading) -> str:
        value: str = getattr(self, DIAGNOSTIC_COLUMNS[heading])
        return value

    def stage_on(self, stage: ContractStage) -> date | None:
        """The date the contract entered a stage (None if it has not)."""
        for change in self.stage_changes:
            if change.to_stage == stage:
                return change.changed_on
        return None


class StageChange(Model):
    """One transition of a contract's stage, with its date (the creation is the first one)."""

    __tablename__ = "contract_stage_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[ContractStage | None] = mapped_column(enum_type(ContractStage, 20))
    to_stage: Mapped[ContractStage] = mapped_column(enum_type(ContractStage, 20))
    changed_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    contract: Mapped[Contract] = relationship(back_populates="stage_changes")
    user: Mapped[User | None] = relationship()


class Signatory(Model):
    """A partner that votes and signs the contract: the Département, the CC, a commune or a syndicat."""

    __tablename__ = "contract_signatory"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SignatoryKind] = mapped_column(enum_type(SignatoryKind, 20))
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("commune.id"))
    intercommunality_id: Mapped[int | None] = mapped_column(ForeignKey("intercommunality.id"))
    syndicate_id: Mapped[int | None] = mapped_column(ForeignKey("syndicate.id", ondelete="CASCADE"))
    deliberation_on: Mapped[date | None]
    deliberation_reference: Mapped[str] = mapped_column(String(200), default="")
    signed_on: Mapped[date | None]

    contract: Mapped[Contract] = relationship(back_populates="signatories")
    commune: Mapped[Commune | None] = relationship()
    intercommunality: Mapped[Intercommunality | None] = relationship()
    syndicate: Mapped[Syndicate | None] = relationship()

    @property
    def name(self) -> str:
        return _body_name("Département de la Lozère", self.commune, self.intercommunality, self.syndicate)

    @property
    def body_key(self) -> tuple[str, int | None]:
        """(kind, id) of the body, comparable with a project's owner key."""
        if self.kind == SignatoryKind.DEPARTEMENT:
            return ("departement", None)
        return (str(self.kind), self.commune_id or self.intercommunality_id or self.syndicate_id)


class ContractDocument(StoredFileColumns, Model):
    """A file attached to the contract (diagnostic data, deliberations, the signed contract...).

    The file lives under the instance folder with a generated name; `filename` is only shown.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    contract: Mapped[Contract] = relationship(back_populates="documents")
    uploaded_by: Mapped[User | None] = relationship()


class ProjectSheet(Model):
    """A fiche projet: one public investment operation proposed for the contract."""

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    owner_kind: Mapped[OwnerKind] = mapped_column(enum_type(OwnerKind, 20))
    owner_commune_id: Mapped[int | None] = mapped_column(ForeignKey("commune.id"), index=True)
    owner_intercommunality_id: Mapped[int | None] = mapped_column(ForeignKey("intercommunality.id"))
    owner_syndicate_id: Mapped[int | None] = mapped_column(ForeignKey("syndicate.id"), index=True)
    theme: Mapped[Theme] = mapped_column(enum_type(Theme, 20), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    estimated_cost: Mapped[Decimal] = mapped_column(MONEY)
    grant_requested: Mapped[Decimal] = mapped_column(MONEY)
    priority: Mapped[int]
    deliberation_on: Mapped[date | None]
    deliberation_reference: Mapped[str] = mapped_column(String(200), default="")
    precheck: Mapped[PreCheck | None] = mapped_column(enum_type(PreCheck, 20))
    precheck_reason: Mapped[str] = mapped_column(Text, default="")
    prechecked_on: Mapped[date | None]
    planned_year: Mapped[int]
    status: Mapped[ProjectStatus] = mapped_column(
        enum_type(ProjectStatus, 20), default=ProjectStatus.PROPOSEE, index=True
    )
    is_in_plan: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    contract: Mapped[Contract] = relationship(back_populates="projects")
    owner_commune: Mapped[Commune | None] = relationship()
    owner_intercommunality: Mapped[Intercommunality | None] = relationship()
    owner_syndicate: Mapped[Syndicate | None] = relationship()
    fundings: Mapped[list[ProjectFunding]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectFunding.id"
    )
    status_changes: Mapped[list[ProjectStatusChange]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectStatusChange.id"
    )
    reserve_grant: Mapped[ReserveGrant | None] = relationship(back_populates="project")

    __table_args__ = (
        UniqueConstraint("contract_id", "number"),
        CheckConstraint("priority BETWEEN 1 AND 3", name="priority"),
        CheckConstraint("estimated_cost >= 0 AND grant_requested >= 0", name="amounts"),
        CheckConstraint(
            "CAST(owner_commune_id IS NOT NULL AS INTEGER)"
            " + CAST(owner_intercommunality_id IS NOT NULL AS INTEGER)"
            " + CAST(owner_syndicate_id IS NOT NULL AS INTEGER) = 1",
            name="one_owner",
        ),
    )

    def __repr__(self) -> str:
        return f"<ProjectSheet {self.contract_id}/{self.number} {self.title}>"

    @property
    def owner_name(self) -> str:
        return _body_name("", self.owner_commune, self.owner_intercommunality, self.owner_syndicate)

    @property
    def owner_key(self) -> tuple[str, int | None]:
        return (
            str(self.owner_kind),
            self.owner_commune_id or self.owner_intercommunality_id or self.owner_syndicate_id,
        )

    @property
    def other_funding_total(self) -> Decimal:
        return sum((f.amount for f in self.fundings), ZERO)

    @property
    def precheck_label(self) -> str:
        return self.precheck.label if self.precheck else "Non pré-instruite"


class ProjectFunding(Model):
    """Another funder of a project (État, Région, Europe...) and its amount."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project_sheet.id", ondelete="CASCADE"), index=True)
    funder: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(MONEY)

    project: Mapped[ProjectSheet] = relationship(back_populates="fundings")

    __table_args__ = (CheckConstraint("amount >= 0", name="amount"),)


class ProjectStatusChange(Model):
    """One status of a project sheet, with its date: the status history."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project_sheet.id", ondelete="CASCADE"), index=True)
    status: Mapped[ProjectStatus] = mapped_column(enum_type(ProjectStatus, 20))
    changed_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    project: Mapped[ProjectSheet] = relationship(back_populates="status_changes")
    user: Mapped[User | None] = relationship()


class Amendment(Model):
    """An avenant: numbered per contract; its changes apply to the plan when it is signed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    dated_on: Mapped[date]
    reason: Mapped[str] = mapped_column(Text)
    # A new envelope, when the avenant changes the credits allocated.
    new_envelope: Mapped[Decimal | None] = mapped_column(MONEY)
    old_envelope: Mapped[Decimal | None] = mapped_column(MONEY)
    voted_on: Mapped[date | None]
    signed_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    contract: Mapped[Contract] = relationship(back_populates="amendments")
    changes: Mapped[list[AmendmentChange]] = relationship(
        back_populates="amendment", cascade="all, delete-orphan", order_by="AmendmentChange.position"
    )

    __table_args__ = (UniqueConstraint("contract_id", "number"),)

    @property
    def is_signed(self) -> bool:
        return self.signed_on is not None

    @property
    def label(self) -> str:
        return f"Avenant n° {self.number}"


class AmendmentChange(Model):
    """One change of the plan in an avenant; the old amounts are recorded when it is applied."""

    id: Mapped[int] = mapped_column(primary_key=True)
    amendment_id: Mapped[int] = mapped_column(ForeignKey("amendment.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    kind: Mapped[AmendmentChangeKind] = mapped_column(enum_type(AmendmentChangeKind, 10))
    project_id: Mapped[int] = mapped_column(ForeignKey("project_sheet.id", ondelete="CASCADE"), index=True)
    new_cost: Mapped[Decimal | None] = mapped_column(MONEY)
    new_grant: Mapped[Decimal | None] = mapped_column(MONEY)
    old_cost: Mapped[Decimal | None] = mapped_column(MONEY)
    old_grant: Mapped[Decimal | None] = mapped_column(MONEY)

    amendment: Mapped[Amendment] = relationship(back_populates="changes")
    project: Mapped[ProjectSheet] = relationship()


class ReserveGrant(Model):
    """A grant of the departmental reserve fund to an urgent project outside the plan."""

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project_sheet.id", ondelete="CASCADE"), unique=True, index=True
    )
    amount: Mapped[Decimal] = mapped_column(MONEY)
    decided_on: Mapped[date]
    decision_body: Mapped[str] = mapped_column(String(200))
    decision_reference: Mapped[str] = mapped_column(String(200))
    urgency_reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    contract: Mapped[Contract] = relationship(back_populates="reserve_grants")
    project: Mapped[ProjectSheet] = relationship(back_populates="reserve_grant")

    __table_args__ = (CheckConstraint("amount > 0", name="amount"),)


class ContractEvent(Model):
    """A line of a contract's history: who changed what, when, and possibly in which meeting."""

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("project_sheet.id", ondelete="SET NULL"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Meetings depend on contracts, not the reverse: only the column points at them.
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(String(500))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)

    contract: Mapped[Contract] = relationship()
    project: Mapped[ProjectSheet | None] = relationship()
    user: Mapped[User | None] = relationship()
