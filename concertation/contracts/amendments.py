"""Avenants: numbered per contract, their changes applied to the plan when they are signed.

An avenant concerns a signed contract only (stage « signé » or « mise en œuvre »). The caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from concertation.contracts.changes import move_in_plan, plan_add_problem, plan_remove_problem
from concertation.contracts.enums import (
    AmendmentChangeKind,
    ContractStage,
    EventKind,
    PreCheck,
)
from concertation.contracts.exceptions import InvalidInput, NotAllowed
from concertation.contracts.history import record_event
from concertation.contracts.models import (
    Amendment,
    AmendmentChange,
    Contract,
    ProjectSheet,
)
from concertation.contracts.money import ZERO, format_euros, parse_field
from concertation.contracts.origin import NO_ORIGIN, Origin
from concertation.contracts.projects import check_amounts
from concertation.contracts.settings import MAX_TEXT, ProjectRules
from concertation.core.numbers import format_number

AMENDABLE = (ContractStage.SIGNE, ContractStage.MISE_EN_OEUVRE)


def check_signed(contract: Contract, what: str) -> None:
    if contract.stage not in AMENDABLE:
        raise NotAllowed(
            f"{what} ne concerne qu'un contrat signé ou en mise en œuvre : ce contrat est à l'étape "
            f"« {contract.stage.label} »."
        )


def record_step(
    amendment: Amendment, summary: str, *, origin: Origin, project: ProjectSheet | None = None
) -> None:
    """A line of the contract's history about the avenant itself (opened, changed, signed...)."""
    record_event(
        amendment.contract,
        kind=EventKind.AMENDMENT,
        summary=summary,
        origin=origin,
        project=project,
    )


def record_applied(change: AmendmentChange, summary: str, *, origin: Origin) -> None:
    """A line of the history about what a change of the avenant does to its project's place or amounts."""
    record_event(
        change.amendment.contract,
        kind=EventKind.AMOUNT if change.kind == AmendmentChangeKind.AMOUNT else EventKind.PLAN,
        summary=summary,
        origin=origin,
        project=change.project,
    )


def _money(errors: dict[str, str], name: str, raw: str | Decimal | None) -> Decimal | None:
    """An optional amount: None when left empty."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return parse_field(errors, name, raw)


@dataclass
class AmendmentInput:
    dated_on: date | None = None
    reason: str = ""
    new_envelope: str | Decimal | None = None


def create_amendment(contract: Contract, data: AmendmentInput, *, origin: Origin = NO_ORIGIN) -> Amendment:
    """Open avenant n° N+1 on a signed contract; its changes are added before it is signed."""
    check_signed(contract, "Un avenant")
    draft = next((a for a in contract.amendments if not a.is_signed), None)
    if draft is not None:
        raise NotAllowed(
            f"L'avenant n° {draft.number} est en préparation : signez-le ou supprimez-le d'abord."
        )
    errors: dict[str, str] = {}
    signed_on = contract.stage_on(ContractStage.SIGNE)
    if data.dated_on is None:
        errors["dated_on"] = "La date de l'avenant est obligatoire."
    elif signed_on is not None and data.dated_on < signed_on:
        errors["dated_on"] = f"Un avenant est postérieur à la signature du contrat ({signed_on:%d/%m/%Y})."
    reason = data.reason.strip()
    if not reason:
        errors["reason"] = "Indiquez l'objet de l'avenant."
    elif len(reason) > MAX_TEXT:
        errors["reason"] = f"L'objet dépasse {format_number(MAX_TEXT)} caractères."
    envelope = _money(errors, "new_envelope", data.new_envelope)
    if errors:
        raise InvalidInput(errors, "Avenant non enregistré")
    assert data.dated_on is not None
    amendment = Amendment(
        number=max((a.number for a in contract.amendments), default=0) + 1,
        dated_on=data.dated_on,
        reason=reason,
        new_envelope=envelope,
    )
    contract.amendments.append(amendment)
    record_step(amendment, f"Avenant n° {amendment.number} ouvert : {reason}.", origin=origin)
    return amendment


def _check_draft(amendment: Amendment) -> None:
    check_signed(amendment.contract, "Un avenant")
    if amendment.is_signed:
        raise NotAllowed(f"L'avenant n° {amendment.number} est signé : il ne change plus.")


def _change_problem(change_kind: AmendmentChangeKind, project: ProjectSheet) -> str | None:
    if change_kind is AmendmentChangeKind.ADD:
        return plan_add_problem(project)
    if change_kind is AmendmentChangeKind.REMOVE:
        return plan_remove_problem(project)
    if not project.is_in_plan:
        return f"Fiche n° {project.number} « {project.title} » : elle n'est pas dans le plan d'actions."
    return None


def add_change(
    amendment: Amendment,
    *,
    kind: str,
    project: ProjectSheet,
    new_cost: str | Decimal | None = None,
    new_grant: str | Decimal | None = None,
    rules: ProjectRules | None = None,
    origin: Origin = NO_ORIGIN,
) -> AmendmentChange:
    """Add a change of the plan to a draft avenant: a project added, removed, or new amounts."""
    _check_draft(amendment)
    errors: dict[str, str] = {}
    try:
        change_kind = AmendmentChangeKind(kind)
    except ValueError:
        raise InvalidInput(
            {"kind": "Modification attendue : add, remove ou amount."}, "Modification refusée"
        ) from None
    if project.contract_id != amendment.contract_id:
        raise InvalidInput(
            {"project": "Cette fiche projet appartient à un autre contrat."}, "Modification refusée"
        )
    if any(c.project_id == project.id for c in amendment.changes):
        errors["project"] = f"L'avenant modifie déjà la fiche n° {project.number}."
    problem = _change_problem(change_kind, project)
    if problem:
        errors["project"] = problem
    cost = _money(errors, "new_cost", new_cost) if change_kind is not AmendmentChangeKind.REMOVE else None
    grant = _money(errors, "new_grant", new_grant) if change_kind is not AmendmentChangeKind.REMOVE else None
    if change_kind is AmendmentChangeKind.AMOUNT and cost is None and grant is None and not errors:
        errors["new_grant"] = "Indiquez le nouveau montant de l'aide ou du coût."
    if not errors and change_kind is not AmendmentChangeKind.REMOVE:
        final_cost = cost if cost is not None else project.estimated_cost
        final_grant = grant if grant is not None else project.grant_requested
        found = check_amounts(final_cost, final_grant, project.other_funding_total, rules or ProjectRules())
        errors.update(
            {
                k.replace("estimated_cost", "new_cost").replace("grant_requested", "new_grant"): v
                for k, v in found.items()
            }
        )
        if change_kind is AmendmentChangeKind.AMOUNT and (final_cost, final_grant) == (
            project.estimated_cost,
            project.grant_requested,
        ):
            errors.setdefault("new_grant", "Ces montants sont déjà ceux du plan.")
    if errors:
        raise InvalidInput(errors, "Modification refusée")
    change = AmendmentChange(
        position=max((c.position for c in amendment.changes), default=0) + 1,
        kind=change_kind,
        project=project,
        new_cost=cost,
        new_grant=grant,
    )
    amendment.changes.append(change)
    record_step(
        amendment,
        f"Avenant n° {amendment.number} : {change_kind.label.lower()} — fiche n° {project.number} "
        f"« {project.title} »" + (f", aide {format_euros(grant)}" if grant is not None else "") + ".",
        origin=origin,
        project=project,
    )
    return change


def remove_change(change: AmendmentChange, *, origin: Origin = NO_ORIGIN) -> None:
    amendment = change.amendment
    _check_draft(amendment)
    amendment.changes.remove(change)
    record_step(
        amendment,
        f"Avenant n° {amendment.number} : modification de la fiche n° {change.project.number} retirée.",
        origin=origin,
    )


def delete_amendment(amendment: Amendment, *, origin: Origin = NO_ORIGIN) -> None:
    """Drop a draft avenant."""
    _check_draft(amendment)
    contract = amendment.contract
    # Removing it from the contract unsets `amendment.contract`: the history line names the contract.
    contract.amendments.remove(amendment)
    record_event(
        contract, kind=EventKind.AMENDMENT, origin=origin, summary=f"Avenant n° {amendment.number} abandonné."
    )


def _plan_total_after(amendment: Amendment) -> Decimal:
    grants = {p.id: p.grant_requested for p in amendment.contract.projects if p.is_in_plan}
    for change in amendment.changes:
        if change.kind == AmendmentChangeKind.REMOVE:
            grants.pop(change.project_id, None)
        else:
            grants[change.project_id] = (
                change.new_grant if change.new_grant is not None else change.project.grant_requested
            )
    return sum(grants.values(), ZERO)


def sign_amendment(
    amendment: Amendment,
    *,
    voted_on: date | None,
    signed_on: date | None,
    origin: Origin = NO_ORIGIN,
) -> None:
    """Record the vote and the signature of the avenant and apply its changes to the plan, all or none."""
    _check_draft(amendment)
    today = origin.day()
    contract = amendment.contract
    errors: dict[str, str] = {}
    if voted_on is None:
        errors["voted_on"] = "La date du vote de l'avenant est obligatoire."
    elif voted_on < amendment.dated_on:
        errors["voted_on"] = (
            f"Le vote ne peut pas précéder la date de l'avenant ({amendment.dated_on:%d/%m/%Y})."
        )
    if signed_on is None:
        errors["signed_on"] = "La date de signature de l'avenant est obligatoire."
    elif signed_on > today:
        errors["signed_on"] = "La date de signature ne peut pas être dans le futur."
    elif voted_on is not None and signed_on < voted_on:
        errors["signed_on"] = "La signature ne peut pas précéder le vote."
    if not amendment.changes and amendment.new_envelope is None:
        errors["changes"] = "Cet avenant ne modifie ni le plan ni l'enveloppe : ajoutez une modification."
    for change in amendment.changes:
        project = change.project
        problem = _change_problem(change.kind, project)
        if problem:
            errors[f"changes.{change.position}"] = problem
        elif change.kind == AmendmentChangeKind.ADD and (
            project.precheck != PreCheck.CONFORME or project.deliberation_on is None
        ):
            errors[f"changes.{change.position}"] = (
                f"Fiche n° {project.number} : une fiche ajoutée au plan doit être pré-instruite conforme "
                "et délibérée par son maître d'ouvrage."
            )
    envelope = amendment.new_envelope if amendment.new_envelope is not None else contract.envelope
    total = _plan_total_after(amendment)
    if total > envelope:
        errors["envelope"] = (
            f"Après l'avenant, les aides du plan ({format_euros(total)}) dépasseraient l'enveloppe "
            f"({format_euros(envelope)})."
        )
    if errors:
        raise InvalidInput(errors, f"Avenant n° {amendment.number} non signé")
    assert voted_on is not None and signed_on is not None
    for change in amendment.changes:
        project = change.project
        change.old_cost, change.old_grant = project.estimated_cost, project.grant_requested
        if change.kind != AmendmentChangeKind.AMOUNT:
            move_in_plan(project, change.kind == AmendmentChangeKind.ADD, signed_on, origin.user)
        if change.kind != AmendmentChangeKind.REMOVE:
            project.estimated_cost = (
                change.new_cost if change.new_cost is not None else project.estimated_cost
            )
            project.grant_requested = (
                change.new_grant if change.new_grant is not None else project.grant_requested
            )
        record_applied(
            change,
            f"Avenant n° {amendment.number} : {change.kind.label.lower()} — "
            f"fiche n° {project.number} « {project.title} », aide {format_euros(change.old_grant)} → "
            + (format_euros(project.grant_requested) if project.is_in_plan else "hors plan")
            + ".",
            origin=origin,
        )
    if amendment.new_envelope is not None:
        amendment.old_envelope = contract.envelope
        contract.envelope = amendment.new_envelope
    amendment.voted_on, amendment.signed_on = voted_on, signed_on
    record_step(
        amendment,
        f"Avenant n° {amendment.number} signé le {signed_on:%d/%m/%Y} (voté le {voted_on:%d/%m/%Y}) : "
        f"{len(amendment.changes)} modification(s) du plan"
        + (
            f", enveloppe portée à {format_euros(contract.envelope)}"
            if amendment.new_envelope is not None
            else ""
        )
        + ".",
        origin=origin,
    )
