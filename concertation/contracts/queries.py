"""Read queries of the contract pages and API: a few SELECTs per page, never one per row."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from concertation.contracts.enums import ContractStage, ProjectStatus
from concertation.contracts.models import (
    Amendment,
    AmendmentChange,
    Contract,
    ProjectSheet,
    ReserveGrant,
    Signatory,
)
from concertation.contracts.money import ZERO, percent
from concertation.core.collation import french_order
from concertation.extensions import db
from concertation.territory.models import Intercommunality


@dataclass(frozen=True)
class ContractFilters:
    siren: str = ""
    stage: str = ""
    year: int | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> ContractFilters:
        stage = args.get("etape", "")
        year = args.get("annee", "")
        return cls(
            siren=args.get("cc", "").strip(),
            stage=stage if stage in {s.value for s in ContractStage} else "",
            year=int(year) if year.isascii() and year.isdigit() and len(year) == 4 else None,
        )

    def as_args(self) -> dict[str, Any]:
        args: dict[str, Any] = {"cc": self.siren, "etape": self.stage, "annee": self.year}
        return {key: value for key, value in args.items() if value}

    @property
    def is_empty(self) -> bool:
        return not self.as_args()


@dataclass(frozen=True)
class ContractRow:
    contract: Contract
    projects: int
    plan_grant: Decimal
    reserve: Decimal

    @property
    def share(self) -> Decimal | None:
        return percent(self.plan_grant, self.contract.envelope)


def list_contracts(filters: ContractFilters) -> list[ContractRow]:
    """Contracts by CC name and period, with the totals of their plan and reserve fund (3 queries)."""
    statement = (
        select(Contract)
        .join(Contract.intercommunality)
        .options(selectinload(Contract.intercommunality))
        .order_by(french_order(Intercommunality.name), Intercommunality.name, Contract.starts_on.desc())
    )
    if filters.siren:
        statement = statement.where(Intercommunality.siren == filters.siren)
    if filters.stage:
        statement = statement.where(Contract.stage == filters.stage)
    if filters.year:
        statement = statement.where(
            Contract.starts_on <= date(filters.year, 12, 31), Contract.ends_on >= date(filters.year, 1, 1)
        )
    contracts = list(db.session.scalars(statement))
    ids = [c.id for c in contracts]
    counts: dict[int, int] = dict.fromkeys(ids, 0)
    grants: dict[int, Decimal] = dict.fromkeys(ids, ZERO)
    reserves: dict[int, Decimal] = dict.fromkeys(ids, ZERO)
    projects = db.session.execute(
        select(ProjectSheet.contract_id, ProjectSheet.grant_requested, ProjectSheet.is_in_plan).where(
            ProjectSheet.contract_id.in_(ids)
        )
    )
    for contract_id, grant, in_plan in projects:
        counts[contract_id] += 1
        if in_plan:
            grants[contract_id] += grant
    reserve = db.session.execute(
        select(ReserveGrant.contract_id, ReserveGrant.amount)
        .join(ReserveGrant.project)
        .where(ReserveGrant.contract_id.in_(ids), ProjectSheet.status != ProjectStatus.ABANDONNEE)
    )
    for contract_id, amount in reserve:
        reserves[contract_id] += amount
    return [ContractRow(c, counts[c.id], grants[c.id], reserves[c.id]) for c in contracts]


CONTRACT_OPTIONS = (
    selectinload(Contract.intercommunality),
    selectinload(Contract.stage_changes),
    selectinload(Contract.signatories).options(
        selectinload(Signatory.commune),
        selectinload(Signatory.intercommunality),
        selectinload(Signatory.syndicate),
    ),
    selectinload(Contract.documents),
    selectinload(Contract.projects).options(
        selectinload(ProjectSheet.owner_commune),
        selectinload(ProjectSheet.owner_intercommunality),
        selectinload(ProjectSheet.owner_syndicate),
        selectinload(ProjectSheet.fundings),
        selectinload(ProjectSheet.reserve_grant),
    ),
    selectinload(Contract.amendments).selectinload(Amendment.changes).selectinload(AmendmentChange.project),
    selectinload(Contract.reserve_grants).selectinload(ReserveGrant.project),
)


def load_contract(contract_id: int) -> Contract | None:
    """The contract with everything its page shows, in one query per relation."""
    return db.session.get(Contract, contract_id, options=CONTRACT_OPTIONS)


def lozere_cc_choices() -> list[tuple[str, str]]:
    """(SIREN, name) of the intercommunalities, by name."""
    rows = db.session.execute(
        select(Intercommunality.siren, Intercommunality.name).order_by(
            french_order(Intercommunality.name), Intercommunality.name
        )
    )
    return [(siren, name) for siren, name in rows]


def contracts_of(intercommunality_ids: list[int]) -> list[Contract]:
    """The contracts of these CCs, the most recent first, with their CC."""
    if not intercommunality_ids:
        return []
    return list(
        db.session.scalars(
            select(Contract)
            .where(Contract.intercommunality_id.in_(intercommunality_ids))
            .options(selectinload(Contract.intercommunality))
            .order_by(Contract.starts_on.desc(), Contract.id)
        )
    )


def contract_in_progress(contracts: list[Contract], on: date) -> Contract | None:
    """Among one CC's contracts, the one in progress: not closed, its period covering `on` if one does,
    otherwise the latest to start (a contract being prepared for the next period)."""
    open_ones = [c for c in contracts if c.stage is not ContractStage.CLOS]
    covering = [c for c in open_ones if c.starts_on <= on <= c.ends_on]
    candidates = covering or open_ones
    return max(candidates, key=lambda c: (c.starts_on, c.id), default=None)
