"""The sector part of a Rendez-vous de Territoire's dossier: the sector's key figures, then one section per
CC of the sector with its contract at a glance, its projects' progress since the last Rendez-vous of the
sector and the milestones of the coming year.

The contract's figures are those of `financial_plan` (the contract page and `/plan`); "committed" and
"realised" are the grants of the plan's projects whose aid is granted (aide attribuée, or realised) and
of those realised, read from the same plan lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from concertation.contracts.enums import ContractStage, ProjectStatus
from concertation.contracts.models import Contract
from concertation.contracts.money import ZERO
from concertation.contracts.plan import FinancialPlan, financial_plan
from concertation.contracts.queries import CONTRACT_OPTIONS
from concertation.core.text import sort_key
from concertation.extensions import db
from concertation.meetings.models import Meeting, MeetingKind, MeetingStatus
from concertation.territory.models import Intercommunality, Sector

COMMITTED = frozenset({ProjectStatus.AIDE_ATTRIBUEE, ProjectStatus.REALISEE})
RUNNING = frozenset({ContractStage.SIGNE, ContractStage.MISE_EN_OEUVRE})
# Without a previous Rendez-vous, the progress of the last year.
DEFAULT_SPAN = timedelta(days=365)


@dataclass(frozen=True)
class Glance:
    """A contract at a glance."""

    title: str
    period: str
    stage: str
    plan: FinancialPlan
    committed: Decimal
    realised: Decimal
    signed_amendments: int
    draft_amendments: int


@dataclass(frozen=True)
class Progress:
    on: date
    number: int
    title: str
    status: str


@dataclass(frozen=True)
class Milestone:
    # The day, or None for a project planned in a year ("en 2027").
    on: date | None
    year: int
    label: str


@dataclass(frozen=True)
class CCSection:
    anchor: str
    name: str
    communes: int
    population: int
    glance: Glance | None
    progress: list[Progress]
    milestones: list[Milestone]


@dataclass(frozen=True)
class RendezVousPart:
    sector: str
    communes: int
    population: int
    # The previous Rendez-vous of the sector (None: the progress covers the last year).
    since: date | None
    since_default: date
    sections: list[CCSection]


def chosen_contract(contracts: list[Contract], on: date) -> Contract | None:
    """The CC's contract the Rendez-vous looks at: the one running on the day, else the latest not closed,
    else the latest."""
    ordered = sorted(contracts, key=lambda c: (c.starts_on, c.id), reverse=True)
    running = [c for c in ordered if c.starts_on <= on <= c.ends_on]
    open_ones = [c for c in ordered if c.stage != ContractStage.CLOS]
    return next(iter(running or open_ones or ordered), None)


def glance(contract: Contract) -> Glance:
    plan = financial_plan(contract)
    return Glance(
        title=contract.title,
        period=contract.period_label,
        stage=contract.stage.label,
        plan=plan,
        committed=sum((line.grant for line in plan.lines if line.status in COMMITTED), ZERO),
        realised=sum((line.grant for line in plan.lines if line.status == ProjectStatus.REALISEE), ZERO),
        signed_amendments=sum(1 for a in contract.amendments if a.is_signed),
        draft_amendments=sum(1 for a in contract.amendments if not a.is_signed),
    )


def progress(contract: Contract, since: date, until: date) -> list[Progress]:
    """The statuses the contract's projects took after `since`, up to the day of the meeting."""
    found = [
        Progress(change.changed_on, project.number, project.title, change.status.label)
        for project in contract.projects
        for change in project.status_changes
        if since < change.changed_on <= until
    ]
    return sorted(found, key=lambda p: (p.on, p.number))


def _anniversary(signed_on: date, year: int) -> date:
    # A contract signed on 29 February has its anniversary on the 28th in other years.
    return signed_on.replace(year=year, day=min(signed_on.day, 28 if signed_on.month == 2 else 31))


def milestones(contract: Contract, start: date) -> list[Milestone]:
    """What falls in the year from `start`: anniversary of the signature, end of the contract, avenants
    awaiting signature, projects of the plan planned in those years and not yet realised."""
    end = start + DEFAULT_SPAN
    found: list[Milestone] = []
    signed_on = contract.stage_on(ContractStage.SIGNE)
    # The annual review is that of a contract being carried out: not once it is evaluated, nor after its end.
    if signed_on is not None and contract.stage in RUNNING:
        for year in (start.year, start.year + 1):
            anniversary = _anniversary(signed_on, year)
            if start <= anniversary < end and year > signed_on.year and anniversary <= contract.ends_on:
                age = year - signed_on.year
                label = f"{age} an{'s' if age > 1 else ''} de la signature : point annuel"
                found.append(Milestone(anniversary, year, label))
    if start <= contract.ends_on < end and contract.stage.rank < ContractStage.EVALUE.rank:
        found.append(
            Milestone(
                contract.ends_on, contract.ends_on.year, "Fin du contrat : évaluation et contrat suivant"
            )
        )
    for amendment in contract.amendments:
        if not amendment.is_signed:
            found.append(
                Milestone(None, start.year, f"{amendment.label} à voter et signer : {amendment.reason}")
            )
    done = {ProjectStatus.REALISEE, ProjectStatus.ABANDONNEE}
    for project in sorted(contract.projects, key=lambda p: p.number):
        if (
            project.is_in_plan
            and project.status not in done
            and project.planned_year in (start.year, end.year)
        ):
            found.append(
                Milestone(
                    None,
                    project.planned_year,
                    f"Projet n° {project.number} « {project.title} » prévu en {project.planned_year} "
                    f"({project.status.label})",
                )
            )
    return sorted(found, key=lambda m: (m.on or date(m.year, 12, 31), m.label))


def previous_rendez_vous(meeting: Meeting, sector: Sector) -> Meeting | None:
    return db.session.scalar(
        select(Meeting)
        .where(
            Meeting.kind == MeetingKind.RENDEZ_VOUS,
            Meeting.sector_id == sector.id,
            Meeting.id != meeting.id,
            Meeting.starts_at < meeting.starts_at,
            Meeting.status != MeetingStatus.ANNULEE,
        )
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        .limit(1)
    )


def _contracts_by_cc(epcis: list[Intercommunality]) -> dict[int, list[Contract]]:
    found: dict[int, list[Contract]] = {epci.id: [] for epci in epcis}
    contracts = db.session.scalars(
        select(Contract).where(Contract.intercommunality_id.in_(found)).options(*CONTRACT_OPTIONS)
    )
    for contract in contracts:
        found[contract.intercommunality_id].append(contract)
    return found


def rendez_vous_part(meeting: Meeting, sector: Sector) -> RendezVousPart:
    """One section per CC of the sector, by name, with the sector's communes and population."""
    on = meeting.on
    previous = previous_rendez_vous(meeting, sector)
    since_default = on - DEFAULT_SPAN
    since = previous.on if previous is not None else since_default
    epcis = sorted(sector.intercommunalities, key=lambda e: sort_key(e.name))
    contracts = _contracts_by_cc(epcis)
    sections = []
    for index, epci in enumerate(epcis, start=1):
        communes = epci.communes_on(on)
        contract = chosen_contract(contracts[epci.id], on)
        sections.append(
            CCSection(
                anchor=f"cc-{index}",
                name=epci.name,
                communes=len(communes),
                population=sum(c.population or 0 for c in communes),
                glance=glance(contract) if contract is not None else None,
                progress=progress(contract, since, on) if contract is not None else [],
                milestones=milestones(contract, on) if contract is not None else [],
            )
        )
    communes = sector.communes_on(on)
    return RendezVousPart(
        sector=sector.name,
        communes=len(communes),
        population=sum(c.population or 0 for c in communes),
        since=previous.on if previous is not None else None,
        since_default=since_default,
        sections=sections,
    )
