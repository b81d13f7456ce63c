"""The financial plan (maquette financière) and the plan's state before and after each avenant.

Everything is computed in Decimal from loaded objects: no float, no SQL sum. Totals are by theme (the
six, even empty), priority, planned year and owner, against the envelope; the reserve fund is apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from concertation.contracts.enums import AmendmentChangeKind, ProjectStatus, Theme
from concertation.contracts.models import Amendment, Contract, ProjectSheet
from concertation.contracts.money import ZERO, percent
from concertation.core.text import sort_key


@dataclass(frozen=True)
class PlanLine:
    """A project of the plan with the amounts it has in that state of the plan."""

    project_id: int
    number: int
    title: str
    owner: str
    theme: Theme
    priority: int
    year: int
    status: ProjectStatus
    cost: Decimal
    grant: Decimal
    other: Decimal


@dataclass(frozen=True)
class TotalRow:
    key: str
    label: str
    count: int
    cost: Decimal
    grant: Decimal
    other: Decimal
    # The grants' share of the envelope, in percent (None without envelope).
    share: Decimal | None


@dataclass(frozen=True)
class ReserveLine:
    project_id: int
    number: int
    title: str
    owner: str
    theme: Theme
    status: ProjectStatus
    amount: Decimal
    decided_on: date
    decision_body: str
    decision_reference: str
    urgency_reason: str


@dataclass(frozen=True)
class FinancialPlan:
    envelope: Decimal
    lines: list[PlanLine]
    by_theme: list[TotalRow]
    by_priority: list[TotalRow]
    by_year: list[TotalRow]
    by_owner: list[TotalRow]
    total: TotalRow
    reserve: list[ReserveLine]
    reserve_total: Decimal

    @property
    def remaining(self) -> Decimal:
        """Envelope minus the grants of the plan (negative when the plan exceeds it)."""
        return self.envelope - self.total.grant

    @property
    def is_over_envelope(self) -> bool:
        return self.total.grant > self.envelope


def line_of(project: ProjectSheet, *, cost: Decimal | None = None, grant: Decimal | None = None) -> PlanLine:
    return PlanLine(
        project_id=project.id,
        number=project.number,
        title=project.title,
        owner=project.owner_name,
        theme=project.theme,
        priority=project.priority,
        year=project.planned_year,
        status=project.status,
        cost=project.estimated_cost if cost is None else cost,
        grant=project.grant_requested if grant is None else grant,
        other=project.other_funding_total,
    )


def current_lines(contract: Contract) -> list[PlanLine]:
    """The projects of the plan as it stands, by number."""
    return [line_of(p) for p in sorted(contract.projects, key=lambda p: p.number) if p.is_in_plan]


def _row(key: str, label: str, lines: list[PlanLine], envelope: Decimal) -> TotalRow:
    grant = sum((line.grant for line in lines), ZERO)
    return TotalRow(
        key=key,
        label=label,
        count=len(lines),
        cost=sum((line.cost for line in lines), ZERO),
        grant=grant,
        other=sum((line.other for line in lines), ZERO),
        share=percent(grant, envelope),
    )


def _group(
    lines: list[PlanLine],
    keys: Iterable[str],
    key: Callable[[PlanLine], str],
    label: Callable[[str], str],
    envelope: Decimal,
) -> list[TotalRow]:
    return [_row(k, label(k), [line for line in lines if key(line) == k], envelope) for k in keys]


def totals(lines: list[PlanLine], envelope: Decimal, years: Iterable[int]) -> dict[str, list[TotalRow]]:
    """Totals of plan lines by theme, priority, year and owner."""
    all_years = sorted(set(years) | {line.year for line in lines})
    owners = sorted({line.owner for line in lines}, key=sort_key)
    return {
        "theme": _group(
            lines,
            [t.value for t in Theme],
            lambda line: line.theme.value,
            lambda k: Theme(k).label,
            envelope,
        ),
        "priority": _group(
            lines, ["1", "2", "3"], lambda line: str(line.priority), lambda k: f"Priorité {k}", envelope
        ),
        "year": _group(lines, [str(y) for y in all_years], lambda line: str(line.year), str, envelope),
        "owner": _group(lines, owners, lambda line: line.owner, str, envelope),
    }


def financial_plan(contract: Contract) -> FinancialPlan:
    """The maquette financière of the contract as it stands, with the reserve fund apart."""
    lines = current_lines(contract)
    envelope = contract.envelope
    grouped = totals(lines, envelope, range(contract.starts_on.year, contract.ends_on.year + 1))
    reserve = [
        ReserveLine(
            project_id=grant.project.id,
            number=grant.project.number,
            title=grant.project.title,
            owner=grant.project.owner_name,
            theme=grant.project.theme,
            status=grant.project.status,
            amount=grant.amount,
            decided_on=grant.decided_on,
            decision_body=grant.decision_body,
            decision_reference=grant.decision_reference,
            urgency_reason=grant.urgency_reason,
        )
        for grant in sorted(contract.reserve_grants, key=lambda g: (g.decided_on, g.id))
    ]
    return FinancialPlan(
        envelope=envelope,
        lines=lines,
        by_theme=grouped["theme"],
        by_priority=grouped["priority"],
        by_year=grouped["year"],
        by_owner=grouped["owner"],
        total=_row("total", "Total du plan", lines, envelope),
        reserve=reserve,
        reserve_total=sum((r.amount for r in reserve if r.status != ProjectStatus.ABANDONNEE), ZERO),
    )


# --- The plan before and after each avenant -------------------------------------------------------------


@dataclass(frozen=True)
class PlanState:
    envelope: Decimal
    lines: list[PlanLine]

    @property
    def total_cost(self) -> Decimal:
        return sum((line.cost for line in self.lines), ZERO)

    @property
    def total_grant(self) -> Decimal:
        return sum((line.grant for line in self.lines), ZERO)

    def grants(self) -> dict[int, Decimal]:
        """Project number -> grant: a compact view for comparisons."""
        return {line.number: line.grant for line in self.lines}


@dataclass(frozen=True)
class AmendmentStep:
    """An avenant with the plan just before it and just after it (for a draft: if it were signed)."""

    amendment: Amendment
    before: PlanState
    after: PlanState

    @property
    def is_preview(self) -> bool:
        return not self.amendment.is_signed


def _state(lines: dict[int, PlanLine], envelope: Decimal) -> PlanState:
    return PlanState(envelope, sorted(lines.values(), key=lambda line: line.number))


def _undo(amendment: Amendment, lines: dict[int, PlanLine], projects: dict[int, ProjectSheet]) -> None:
    """Turn the plan after a signed avenant into the plan before it, using the recorded old amounts."""
    for change in sorted(amendment.changes, key=lambda c: c.position, reverse=True):
        if change.kind == AmendmentChangeKind.ADD:
            lines.pop(change.project_id, None)
        elif change.kind == AmendmentChangeKind.REMOVE:
            lines[change.project_id] = line_of(
                projects[change.project_id], cost=change.old_cost, grant=change.old_grant
            )
        elif change.project_id in lines:
            lines[change.project_id] = replace(
                lines[change.project_id],
                cost=change.old_cost if change.old_cost is not None else lines[change.project_id].cost,
                grant=change.old_grant if change.old_grant is not None else lines[change.project_id].grant,
            )


def _apply(amendment: Amendment, lines: dict[int, PlanLine], projects: dict[int, ProjectSheet]) -> None:
    """The plan as a draft avenant would leave it."""
    for change in sorted(amendment.changes, key=lambda c: c.position):
        project = projects[change.project_id]
        if change.kind == AmendmentChangeKind.REMOVE:
            lines.pop(change.project_id, None)
            continue
        base = lines.get(change.project_id) or line_of(project)
        lines[change.project_id] = replace(
            base,
            cost=change.new_cost if change.new_cost is not None else base.cost,
            grant=change.new_grant if change.new_grant is not None else base.grant,
        )


def plan_history(contract: Contract) -> tuple[PlanState, list[AmendmentStep]]:
    """The plan as signed, then each avenant (by number) with the plan before and after it.

    Computed backwards from the current plan: since a signed plan changes only through avenants, undoing
    the signed avenants from the last one gives back each earlier state. A draft avenant comes last, its
    `after` being the plan it would make.
    """
    projects = {p.id: p for p in contract.projects}
    lines = {line.project_id: line for line in current_lines(contract)}
    envelope = contract.envelope
    signed = sorted((a for a in contract.amendments if a.is_signed), key=lambda a: a.number)
    steps: list[AmendmentStep] = []
    for amendment in reversed(signed):
        after = _state(dict(lines), envelope)
        _undo(amendment, lines, projects)
        if amendment.new_envelope is not None and amendment.old_envelope is not None:
            envelope = amendment.old_envelope
        steps.append(AmendmentStep(amendment, _state(dict(lines), envelope), after))
    initial = _state(dict(lines), envelope)
    steps.reverse()
    for draft in (a for a in contract.amendments if not a.is_signed):
        current = {line.project_id: line for line in current_lines(contract)}
        before = _state(dict(current), contract.envelope)
        _apply(draft, current, projects)
        after_envelope = draft.new_envelope if draft.new_envelope is not None else contract.envelope
        steps.append(AmendmentStep(draft, before, _state(current, after_envelope)))
    return initial, steps
