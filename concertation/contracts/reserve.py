"""The departmental reserve fund: urgent projects of a signed contract, funded outside the plan.

Each grant records the decision that granted it; its totals are kept apart from the plan's. A grant
decided by mistake is revoked with `revoke_reserve` while it has not been used. The caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from concertation.contracts.amendments import check_signed
from concertation.contracts.changes import drop_last_status, wrote_last_status
from concertation.contracts.enums import (
    IMPLEMENTATION_STATUSES,
    ContractStage,
    EventKind,
    PreCheck,
    ProjectStatus,
)
from concertation.contracts.exceptions import ChangeConflict, InvalidInput
from concertation.contracts.history import record_event
from concertation.contracts.models import ProjectSheet, ProjectStatusChange, ReserveGrant
from concertation.contracts.money import format_euros, parse_field
from concertation.contracts.origin import NO_ORIGIN, Origin
from concertation.contracts.projects import check_amounts
from concertation.contracts.settings import MAX_TEXT, ProjectRules
from concertation.extensions import db


@dataclass
class ReserveInput:
    amount: str | Decimal = ""
    decided_on: date | None = None
    decision_body: str = ""
    decision_reference: str = ""
    urgency_reason: str = ""


def grant_reserve(
    project: ProjectSheet,
    data: ReserveInput,
    *,
    rules: ProjectRules | None = None,
    origin: Origin = NO_ORIGIN,
) -> ReserveGrant:
    """Fund an urgent project outside the plan from the departmental reserve fund."""
    contract = project.contract
    check_signed(contract, "Le fonds de réserve")
    today = origin.day()
    errors: dict[str, str] = {}
    if project.is_in_plan:
        errors["project"] = (
            f"La fiche n° {project.number} est dans le plan : le fonds de réserve finance hors plan."
        )
    elif project.reserve_grant is not None:
        errors["project"] = f"La fiche n° {project.number} a déjà une aide du fonds de réserve."
    elif project.status != ProjectStatus.PROPOSEE:
        errors["project"] = f"La fiche n° {project.number} est « {project.status.label} »."
    elif project.precheck == PreCheck.NON_ELIGIBLE:
        errors["project"] = f"La fiche n° {project.number} a été jugée non éligible."
    amount = parse_field(errors, "amount", data.amount)
    if amount is not None and amount <= 0:
        errors["amount"] = "Le montant accordé doit être supérieur à zéro."
    elif amount is not None:
        found = check_amounts(
            project.estimated_cost, amount, project.other_funding_total, rules or ProjectRules()
        )
        if "grant_requested" in found or "fundings" in found:
            errors["amount"] = found.get("grant_requested") or found["fundings"]
    signed_on = contract.stage_on(ContractStage.SIGNE)
    if data.decided_on is None:
        errors["decided_on"] = "La date de la décision est obligatoire."
    elif data.decided_on > today:
        errors["decided_on"] = "La date de la décision ne peut pas être dans le futur."
    elif signed_on is not None and data.decided_on < signed_on:
        errors["decided_on"] = (
            f"La décision est postérieure à la signature du contrat ({signed_on:%d/%m/%Y})."
        )
    for name, value, message in (
        (
            "decision_body",
            data.decision_body,
            "Indiquez l'instance qui a décidé (ex. commission permanente).",
        ),
        ("decision_reference", data.decision_reference, "Indiquez la référence de la décision."),
        ("urgency_reason", data.urgency_reason, "Expliquez l'urgence qui justifie le fonds de réserve."),
    ):
        if not value.strip():
            errors[name] = message
        elif len(value) > (MAX_TEXT if name == "urgency_reason" else 200):
            errors[name] = "Texte trop long."
    if errors:
        raise InvalidInput(errors, "Aide du fonds de réserve non enregistrée")
    assert amount is not None and data.decided_on is not None
    grant = ReserveGrant(
        amount=amount,
        decided_on=data.decided_on,
        decision_body=data.decision_body.strip(),
        decision_reference=data.decision_reference.strip(),
        urgency_reason=data.urgency_reason.strip(),
    )
    contract.reserve_grants.append(grant)
    grant.project = project
    project.status = ProjectStatus.RETENUE
    project.status_changes.append(
        ProjectStatusChange(status=ProjectStatus.RETENUE, changed_on=data.decided_on, user=origin.user)
    )
    _record(
        project,
        f"{format_euros(amount)} pour la fiche n° {project.number} « {project.title} » "
        f"({grant.decision_body}, {grant.decision_reference}, {grant.decided_on:%d/%m/%Y}).",
        origin=origin,
    )
    return grant


def _record(project: ProjectSheet, summary: str, *, origin: Origin) -> None:
    """A « Fonds de réserve » line in the history of the project's contract."""
    record_event(
        project.contract,
        kind=EventKind.RESERVE,
        origin=origin,
        project=project,
        summary=f"Fonds de réserve : {summary}",
    )


def _revoke_problem(grant: ReserveGrant) -> str | None:
    """Why the grant cannot go back to the fund (None: it can)."""
    project = grant.project
    name = f"la fiche n° {project.number} « {project.title} »"
    status = project.status
    if status in IMPLEMENTATION_STATUSES:
        return (
            f"l'aide est engagée : {name} est « {status.label} » depuis ; "
            "elle se corrige par une nouvelle décision."
        )
    # The grant moved the sheet from « proposée » to « retenue » on the decision's date: if those are
    # no longer its two latest statuses, something happened to it since (abandoned, taken up again...).
    if not wrote_last_status(project, ProjectStatus.RETENUE, grant.decided_on, {ProjectStatus.PROPOSEE}):
        return f"{name} a changé de statut depuis (elle est « {status.label} »)."
    return None


def revoke_reserve(grant: ReserveGrant, *, origin: Origin = NO_ORIGIN) -> ProjectSheet:
    """Give a grant back to the reserve fund: the project is « proposée » again, outside any funding.

    Refused when the contract no longer changes or when the grant has been used or overtaken since
    (the project went on to programming, a grant file, works, or changed status otherwise). The grant
    and the « retenue » status it dated disappear; the history records the revocation. Nothing is
    written when it is refused.
    """
    project = grant.project
    contract = grant.contract
    check_signed(contract, "Le fonds de réserve")
    problem = _revoke_problem(grant)
    if problem:
        raise ChangeConflict(
            f"L'aide du fonds de réserve de {format_euros(grant.amount)} ne peut pas être annulée : {problem}"
        )
    contract.reserve_grants.remove(grant)
    db.session.delete(grant)
    drop_last_status(project)
    db.session.flush()
    # The one-to-one side still holds the deleted grant until it is loaded again.
    db.session.expire(project, ["reserve_grant"])
    _record(
        project,
        f"l'aide de {format_euros(grant.amount)} à la fiche n° {project.number} « {project.title} » "
        f"({grant.decision_body}, {grant.decision_reference}) est annulée ; "
        "le montant revient au fonds de réserve et la fiche redevient « Proposée ».",
        origin=origin,
    )
    return project
