"""Changes of a project sheet that can be reverted: priority, status, amounts, place in the plan.

Each function records the change in the history (with the meeting where it was decided, if any) and
returns a `ProjectChange` holding the values before and after. The minutes domain stores it with a
decision (`as_dict`) and undoes the decision with `revert_change`. The caller commits.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from concertation.accounts.models import User
from concertation.contracts.enums import (
    IMPLEMENTATION_STATUSES,
    EventKind,
    PreCheck,
    ProjectStatus,
)
from concertation.contracts.exceptions import ChangeConflict, InvalidInput, NotAllowed, PlanLocked
from concertation.contracts.history import record_event
from concertation.contracts.models import ProjectSheet, ProjectStatusChange
from concertation.contracts.money import AmountError, format_euros, parse_amount
from concertation.contracts.origin import NO_ORIGIN, Origin
from concertation.contracts.projects import check_amounts, check_editable
from concertation.contracts.settings import ProjectRules
from concertation.extensions import db

PRIORITY = "priority"
STATUS = "status"
AMOUNTS = "amounts"
PLAN = "plan"


@dataclass(frozen=True)
class ProjectChange:
    """What a change did to a project sheet: `before` and `after` hold the values as strings."""

    project_id: int
    field: str
    before: dict[str, str]
    after: dict[str, str]
    event_id: int | None = None
    meeting_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "project_id": self.project_id,
            "field": self.field,
            "before": dict(self.before),
            "after": dict(self.after),
            "event_id": self.event_id,
            "meeting_id": self.meeting_id,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProjectChange:
        return cls(
            project_id=int(data["project_id"]),
            field=str(data["field"]),
            before={str(k): str(v) for k, v in data["before"].items()},
            after={str(k): str(v) for k, v in data["after"].items()},
            event_id=data.get("event_id"),
            meeting_id=data.get("meeting_id"),
        )


def _name(project: ProjectSheet) -> str:
    return f"Fiche n° {project.number} « {project.title} »"


def _record_status(project: ProjectSheet, status: ProjectStatus, on: date, user: User | None) -> None:
    project.status = status
    project.status_changes.append(ProjectStatusChange(status=status, changed_on=on, user=user))


def wrote_last_status(
    project: ProjectSheet, status: ProjectStatus, on: date, over: Collection[ProjectStatus]
) -> bool:
    """Whether the project's latest dated status is still `status` dated `on`, over one of `over`.

    That is, the step that wrote it (entering the plan, a grant of the reserve fund...) is the last
    thing that happened to the project's status: `drop_last_status` can undo it.
    """
    statuses = project.status_changes
    return (
        project.status == status
        and len(statuses) >= 2
        and statuses[-1].status == status
        and statuses[-1].changed_on == on
        and ProjectStatus(statuses[-2].status) in over
    )


def drop_last_status(project: ProjectSheet) -> None:
    """Forget the project's latest dated status, as if the step that wrote it never happened.

    Used by the reversal of a decision (reserve grant, avenant): the undone step must not stay in the
    status history, where it would date a « retenue » that never was; the contract's history (events)
    keeps the trace of both the step and its reversal. The caller checked that the latest status is
    the one the step wrote (`wrote_last_status`).
    """
    latest = project.status_changes[-1]
    project.status_changes.remove(latest)
    project.status = ProjectStatus(project.status_changes[-1].status)


def _plan_state(project: ProjectSheet) -> dict[str, str]:
    return {"in_plan": "true" if project.is_in_plan else "false", "status": str(project.status)}


def _amounts(project: ProjectSheet) -> dict[str, str]:
    return {"estimated_cost": str(project.estimated_cost), "grant_requested": str(project.grant_requested)}


def _state(project: ProjectSheet, field_name: str) -> dict[str, str]:
    """The values of `field_name` (PRIORITY, STATUS, AMOUNTS, PLAN) that a change records."""
    if field_name == PRIORITY:
        return {"priority": str(project.priority)}
    if field_name == STATUS:
        return {"status": str(project.status)}
    if field_name == AMOUNTS:
        return _amounts(project)
    return _plan_state(project)


def _done(
    project: ProjectSheet,
    field_name: str,
    before: dict[str, str],
    *,
    kind: EventKind,
    summary: str,
    origin: Origin,
) -> ProjectChange:
    db.session.flush()
    after = _state(project, field_name)
    event = record_event(
        project.contract,
        kind=kind,
        origin=origin,
        project=project,
        summary=summary,
        details={"avant": before, "après": after},
    )
    return ProjectChange(project.id, field_name, before, after, event.id, origin.meeting_id)


def set_priority(project: ProjectSheet, priority: int, *, origin: Origin = NO_ORIGIN) -> ProjectChange:
    """Give the project priority 1, 2 or 3."""
    check_editable(project.contract)
    if priority not in (1, 2, 3):
        raise InvalidInput({"priority": "La priorité vaut 1, 2 ou 3."}, "Priorité non modifiée")
    if priority == project.priority:
        raise NotAllowed(f"{_name(project)} a déjà la priorité {priority}.")
    before = {"priority": str(project.priority)}
    project.priority = priority
    return _done(
        project,
        PRIORITY,
        before,
        kind=EventKind.PRIORITY,
        summary=f"{_name(project)} : priorité {before['priority']} → {priority}.",
        origin=origin,
    )


def status_problem(project: ProjectSheet, status: ProjectStatus) -> str | None:
    """Why the project cannot take this status now (None: it can)."""
    funded = project.is_in_plan or project.reserve_grant is not None
    if status == project.status:
        return f"{_name(project)} est déjà « {status.label} »."
    if status in IMPLEMENTATION_STATUSES:
        if not funded:
            return (
                f"{_name(project)} n'est ni dans le plan d'actions ni financée par le fonds de réserve : "
                f"elle ne peut pas être « {status.label} »."
            )
        if not project.contract.stage.is_signed:
            return f"Le contrat n'est pas encore signé : une fiche ne peut pas être « {status.label} »."
    if status is ProjectStatus.RETENUE and not funded:
        return "Une fiche devient « Retenue » en entrant dans le plan d'actions ou par le fonds de réserve."
    if status is ProjectStatus.PROPOSEE and funded:
        return (
            f"{_name(project)} est financée (plan d'actions ou fonds de réserve) : "
            "elle n'est plus « Proposée »."
        )
    if status is ProjectStatus.ABANDONNEE and project.is_in_plan:
        return (
            f"{_name(project)} est dans le plan d'actions : retirez-la d'abord du plan "
            "(par un avenant si le contrat est signé)."
        )
    return None


def set_status(
    project: ProjectSheet,
    status: ProjectStatus | str,
    *,
    on: date | None = None,
    origin: Origin = NO_ORIGIN,
) -> ProjectChange:
    """Move the project to another status on date `on` (today by default); the history keeps each one."""
    check_editable(project.contract)
    today = origin.day()
    try:
        target = ProjectStatus(status)
    except ValueError:
        choices = ", ".join(s.value for s in ProjectStatus)
        raise InvalidInput(
            {"status": f"Statut inconnu : « {status} » ({choices})."}, "Statut non modifié"
        ) from None
    if on is not None and on > today:
        raise InvalidInput({"on": "La date ne peut pas être dans le futur."}, "Statut non modifié")
    problem = status_problem(project, target)
    if problem:
        raise NotAllowed(problem)
    before = {"status": str(project.status)}
    _record_status(project, target, on or today, origin.user)
    return _done(
        project,
        STATUS,
        before,
        kind=EventKind.STATUS,
        summary=f"{_name(project)} : statut « {ProjectStatus(before['status']).label} » "
        f"→ « {target.label} ».",
        origin=origin,
    )


def set_amounts(
    project: ProjectSheet,
    *,
    estimated_cost: str | Decimal | None = None,
    grant_requested: str | Decimal | None = None,
    rules: ProjectRules | None = None,
    origin: Origin = NO_ORIGIN,
) -> ProjectChange:
    """Change the estimated cost and/or the grant requested (a signed plan changes only by avenant)."""
    check_editable(project.contract)
    if project.is_in_plan and project.contract.stage.is_signed:
        raise PlanLocked(f"{_name(project)} : ses montants ne changent que par un avenant.")
    errors: dict[str, str] = {}
    values: dict[str, Decimal] = {}
    for name, raw in (("estimated_cost", estimated_cost), ("grant_requested", grant_requested)):
        try:
            values[name] = parse_amount(raw) if raw is not None else getattr(project, name)
        except AmountError as error:
            errors[name] = str(error)
    if not errors:
        errors = check_amounts(
            values["estimated_cost"],
            values["grant_requested"],
            project.other_funding_total,
            rules or ProjectRules(),
        )
    if errors:
        raise InvalidInput(errors, "Montants non modifiés")
    before = _amounts(project)
    if values == {k: Decimal(v) for k, v in before.items()}:
        raise NotAllowed(f"{_name(project)} a déjà ces montants.")
    project.estimated_cost = values["estimated_cost"]
    project.grant_requested = values["grant_requested"]
    return _done(
        project,
        AMOUNTS,
        before,
        kind=EventKind.AMOUNT,
        summary=f"{_name(project)} : coût {format_euros(Decimal(before['estimated_cost']))} → "
        f"{format_euros(project.estimated_cost)} HT, "
        f"aide {format_euros(Decimal(before['grant_requested']))} → {format_euros(project.grant_requested)}.",
        origin=origin,
    )


# --- The plan -------------------------------------------------------------------------------------------


def plan_add_problem(project: ProjectSheet) -> str | None:
    """Why the project cannot enter the plan (None: it can)."""
    if project.is_in_plan:
        return f"{_name(project)} est déjà dans le plan d'actions."
    if project.reserve_grant is not None:
        return f"{_name(project)} est financée par le fonds de réserve, hors du plan."
    if project.status != ProjectStatus.PROPOSEE:
        return (
            f"{_name(project)} est « {project.status.label} » : seule une fiche proposée entre dans le plan."
        )
    if project.precheck == PreCheck.NON_ELIGIBLE:
        return f"{_name(project)} a été jugée non éligible à la pré-instruction."
    return None


def plan_remove_problem(project: ProjectSheet) -> str | None:
    if not project.is_in_plan:
        return f"{_name(project)} n'est pas dans le plan d'actions."
    if project.status in (ProjectStatus.AIDE_ATTRIBUEE, ProjectStatus.REALISEE):
        return f"{_name(project)} est « {project.status.label} » : elle ne peut plus quitter le plan."
    return None


def move_in_plan(project: ProjectSheet, in_plan: bool, on: date, user: User | None) -> None:
    """Put the project in the plan, status « retenue » (`in_plan`), or take it out, back to « proposée ».

    No check of the contract's stage: an avenant moves the projects of a signed plan.
    """
    problem = plan_add_problem(project) if in_plan else plan_remove_problem(project)
    if problem:
        raise NotAllowed(problem)
    project.is_in_plan = in_plan
    _record_status(project, ProjectStatus.RETENUE if in_plan else ProjectStatus.PROPOSEE, on, user)


def set_in_plan(
    project: ProjectSheet,
    in_plan: bool,
    *,
    on: date | None = None,
    origin: Origin = NO_ORIGIN,
) -> ProjectChange:
    """Retain the project in the action plan (`in_plan`) or take it out of it (before signature)."""
    check_editable(project.contract)
    if project.contract.stage.is_signed:
        raise PlanLocked()
    before = _plan_state(project)
    move_in_plan(project, in_plan, on or origin.day(), origin.user)
    where = "retenue dans le" if in_plan else "retirée du"
    return _done(
        project,
        PLAN,
        before,
        kind=EventKind.PLAN,
        summary=f"{_name(project)} {where} plan d'actions.",
        origin=origin,
    )


def revert_change(
    change: ProjectChange,
    *,
    origin: Origin = NO_ORIGIN,
    rules: ProjectRules | None = None,
) -> ProjectChange:
    """Undo a change, provided the project still has the values the change gave it.

    The undoing goes through the same rules (a signed plan stays locked) and is itself recorded; it
    returns the change it made, which can be reverted in turn.
    """
    project = db.session.get(ProjectSheet, change.project_id)
    if project is None:
        raise ChangeConflict("La fiche projet a été supprimée : la décision ne peut pas être annulée.")
    if change.field not in (PRIORITY, STATUS, AMOUNTS, PLAN):
        raise ChangeConflict(f"Changement inconnu : « {change.field} ».")
    current = _state(project, change.field)
    if current != change.after:
        raise ChangeConflict(
            f"{_name(project)} a changé depuis : annulation impossible "
            f"(valeurs actuelles {current}, attendues {change.after})."
        )
    if change.field == PRIORITY:
        return set_priority(project, int(change.before["priority"]), origin=origin)
    if change.field == STATUS:
        return set_status(project, change.before["status"], origin=origin)
    if change.field == AMOUNTS:
        return set_amounts(
            project,
            estimated_cost=Decimal(change.before["estimated_cost"]),
            grant_requested=Decimal(change.before["grant_requested"]),
            rules=rules,
            origin=origin,
        )
    return set_in_plan(project, change.after["in_plan"] != "true", origin=origin)
