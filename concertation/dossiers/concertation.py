"""The contract part of a concertation's dossier: stage, diagnostic, project sheets, maquette financière,
avenants, and what the previous sessions decided and left to do.

Every figure comes from the contracts domain's own computations (`financial_plan`, `plan_history`,
`theme_chart`), the ones the contract page and `/api/v1/contracts/{id}/plan` show: the dossier never
adds amounts up in its own way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from concertation.contracts.chart import theme_chart
from concertation.contracts.enums import DiagnosticHeading, ProjectStatus
from concertation.contracts.models import Contract
from concertation.contracts.plan import AmendmentStep, FinancialPlan, financial_plan, plan_history
from concertation.contracts.queries import load_contract
from concertation.contracts.stages import next_stage, transition_problems
from concertation.core.chart import Chart
from concertation.core.dates import format_day
from concertation.extensions import db
from concertation.meetings.models import Meeting, MeetingStatus
from concertation.minutes.decisions import decisions_of
from concertation.minutes.models import ActionItem, Decision


@dataclass(frozen=True)
class ProjectRow:
    """A fiche projet as the élus read it before deciding on it."""

    number: int
    title: str
    owner: str
    theme: str
    status: str
    cost: Decimal
    grant: Decimal
    priority: int
    year: int
    deliberation: str
    precheck: str
    is_in_plan: bool


@dataclass(frozen=True)
class SessionDecision:
    kind_label: str
    summary: str
    text: str


@dataclass(frozen=True)
class OpenAction:
    title: str
    owner: str
    due_on: date
    status: str


@dataclass(frozen=True)
class Session:
    """A previous meeting on the contract, with its decisions still in force and its open actions."""

    title: str
    on: date
    decisions: list[SessionDecision]
    actions: list[OpenAction]


@dataclass(frozen=True)
class ConcertationPart:
    contract_title: str
    intercommunality: str
    period: str
    stage: str
    next_stage: str | None
    # What is still missing to reach the next stage (empty: nothing, or no next stage).
    next_problems: list[str]
    diagnostic: list[tuple[str, str]]
    projects: list[ProjectRow]
    abandoned: int
    plan: FinancialPlan
    chart: Chart
    amendments: list[AmendmentStep]
    sessions: list[Session]


def _deliberation(on: date | None, reference: str) -> str:
    if on is None and not reference:
        return "Non délibéré"
    when = f"du {on:%d/%m/%Y}" if on is not None else ""
    return " ".join(part for part in (reference, when) if part)


def project_rows(contract: Contract) -> tuple[list[ProjectRow], int]:
    """The sheets proposed or retained (every one not abandoned), by number; and how many were abandoned."""
    rows = [
        ProjectRow(
            number=p.number,
            title=p.title,
            owner=p.owner_name,
            theme=p.theme.label,
            status=p.status.label,
            cost=p.estimated_cost,
            grant=p.grant_requested,
            priority=p.priority,
            year=p.planned_year,
            deliberation=_deliberation(p.deliberation_on, p.deliberation_reference),
            precheck=p.precheck_label + (f" ({p.precheck_reason})" if p.precheck_reason else ""),
            is_in_plan=p.is_in_plan,
        )
        for p in sorted(contract.projects, key=lambda p: p.number)
        if p.status != ProjectStatus.ABANDONNEE
    ]
    abandoned = sum(1 for p in contract.projects if p.status == ProjectStatus.ABANDONNEE)
    return rows, abandoned


def previous_meetings(meeting: Meeting, contract: Contract) -> list[Meeting]:
    """The meetings held on the contract before this one (linked to it, or having decided on it)."""
    decided = select(Decision.meeting_id).where(Decision.contract_id == contract.id)
    return list(
        db.session.scalars(
            select(Meeting)
            .where(
                or_(Meeting.contract_id == contract.id, Meeting.id.in_(decided)),
                Meeting.id != meeting.id,
                Meeting.starts_at < meeting.starts_at,
                Meeting.status != MeetingStatus.ANNULEE,
            )
            .order_by(Meeting.starts_at, Meeting.id)
        )
    )


def sessions(meeting: Meeting, contract: Contract) -> list[Session]:
    """Each previous session with its decisions in force and its actions still to do (to do, under way)."""
    previous = previous_meetings(meeting, contract)
    actions = list(
        db.session.scalars(
            select(ActionItem)
            .where(ActionItem.meeting_id.in_([m.id for m in previous]))
            .options(selectinload(ActionItem.owner_person))
            .order_by(ActionItem.due_on, ActionItem.id)
        )
    )
    found = []
    for session in previous:
        decisions = [
            SessionDecision(d.kind.label, d.summary, d.text) for d in decisions_of(session, active_only=True)
        ]
        open_actions = [
            OpenAction(a.title, a.owner_label, a.due_on, a.status.label)
            for a in actions
            if a.meeting_id == session.id and a.is_open
        ]
        if decisions or open_actions:
            found.append(Session(session.title, session.on, decisions, open_actions))
    return found


def concertation_part(meeting: Meeting, contract_id: int, today: date) -> ConcertationPart:
    """The contract linked to the concertation as it stands today."""
    contract = load_contract(contract_id)
    assert contract is not None, "the meeting's contract_id is a foreign key"
    upcoming = next_stage(contract)
    plan = financial_plan(contract)
    _, steps = plan_history(contract)
    projects, abandoned = project_rows(contract)
    return ConcertationPart(
        contract_title=contract.title,
        intercommunality=contract.intercommunality.name,
        period=f"du {format_day(contract.starts_on)} au {format_day(contract.ends_on)}",
        stage=contract.stage.label,
        next_stage=upcoming.label if upcoming else None,
        next_problems=transition_problems(contract, upcoming, today) if upcoming else [],
        diagnostic=[(heading.label, contract.diagnostic(heading)) for heading in DiagnosticHeading],
        projects=projects,
        abandoned=abandoned,
        plan=plan,
        chart=theme_chart(plan),
        amendments=steps,
        sessions=sessions(meeting, contract),
    )
