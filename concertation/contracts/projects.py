"""Fiches projets: creation, edition and pré-instruction, with the rules of the règlement.

Rules that the brochure states are checked here: a public owner of the contract's territory, an
investment operation, one of the six themes. Rates and ceilings are `ProjectRules` settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from concertation.contracts.enums import (
    ContractStage,
    EventKind,
    OwnerKind,
    PreCheck,
    ProjectStatus,
    Theme,
)
from concertation.contracts.exceptions import InvalidInput, NotAllowed, PlanLocked
from concertation.contracts.history import record_event
from concertation.contracts.models import Contract, ProjectFunding, ProjectSheet, ProjectStatusChange
from concertation.contracts.money import format_euros, parse_field
from concertation.contracts.origin import NO_ORIGIN, Origin
from concertation.contracts.scope import Owner, resolve_owner
from concertation.contracts.settings import MAX_TEXT, MAX_TITLE, ProjectRules
from concertation.core.numbers import format_number
from concertation.extensions import db

MAX_FUNDINGS = 20


@dataclass
class FundingInput:
    """Another funder and its amount, as typed."""

    funder: str
    amount: str | Decimal


@dataclass
class ProjectInput:
    """A fiche projet as entered; amounts as typed ("12 500,50") or Decimal, `owner` an owner key."""

    title: str = ""
    owner: str = ""
    theme: str = ""
    description: str = ""
    estimated_cost: str | Decimal = ""
    grant_requested: str | Decimal = ""
    fundings: list[FundingInput] = field(default_factory=list)
    priority: int | str | None = None
    planned_year: int | str | None = None
    deliberation_on: date | None = None
    deliberation_reference: str = ""
    is_investment: bool = True


@dataclass
class Resolved:
    owner: Owner
    theme: Theme
    estimated_cost: Decimal
    grant_requested: Decimal
    fundings: list[tuple[str, Decimal]]
    priority: int
    planned_year: int


def check_amounts(
    cost: Decimal, grant: Decimal, other: Decimal, rules: ProjectRules, *, prefix: str = ""
) -> dict[str, str]:
    """The financial rules of a project; field -> French message for each broken one."""
    errors: dict[str, str] = {}
    if cost <= 0:
        errors[f"{prefix}estimated_cost"] = "Le coût estimé HT doit être supérieur à zéro."
    elif cost < rules.min_project_cost:
        errors[f"{prefix}estimated_cost"] = (
            f"Coût estimé inférieur au minimum éligible ({format_euros(rules.min_project_cost)} HT)."
        )
    if grant > cost:
        errors[f"{prefix}grant_requested"] = "L'aide demandée dépasse le coût estimé HT."
    elif rules.max_grant_rate is not None and grant > (cost * rules.max_grant_rate).quantize(Decimal("0.01")):
        rate = (rules.max_grant_rate * 100).normalize()
        errors[f"{prefix}grant_requested"] = (
            f"L'aide demandée dépasse {format_number(rate)} % du coût HT "
            f"(plafond : {format_euros((cost * rules.max_grant_rate).quantize(Decimal('0.01')))})."
        )
    elif rules.max_grant_amount is not None and grant > rules.max_grant_amount:
        errors[f"{prefix}grant_requested"] = (
            f"L'aide demandée dépasse le plafond par projet ({format_euros(rules.max_grant_amount)})."
        )
    if grant <= cost and grant + other > cost:
        errors[f"{prefix}fundings"] = (
            "L'aide demandée et les autres financements dépassent le coût estimé HT."
        )
    return errors


def _integer(raw: int | str | None) -> int | None:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    text = raw.strip() if isinstance(raw, str) else ""
    # ASCII digits within the INTEGER range only: "²" passes isdigit() and crashes int().
    if text.isascii() and text.isdigit() and len(text) <= 9:
        return int(text)
    return None


def _resolve(contract: Contract, data: ProjectInput, rules: ProjectRules, today: date) -> Resolved:
    """Check every field, collecting French messages; raises InvalidInput with all of them."""
    errors: dict[str, str] = {}
    title = data.title.strip()
    if not title:
        errors["title"] = "Le titre du projet est obligatoire."
    elif len(title) > MAX_TITLE:
        errors["title"] = f"Le titre dépasse {format_number(MAX_TITLE)} caractères."
    owner = resolve_owner(contract, data.owner) if data.owner.strip() else "Choisissez le maître d'ouvrage."
    if isinstance(owner, str):
        errors["owner"] = owner
    theme: Theme | None = None
    try:
        theme = Theme(data.theme.strip())
    except ValueError:
        choices = " ; ".join(f"{t.value} ({t.label})" for t in Theme)
        errors["theme"] = (
            f"Thème hors des six thématiques du règlement : « {data.theme.strip()} ». "
            f"Thèmes possibles : {choices}."
            if data.theme.strip()
            else "Choisissez l'une des six thématiques du règlement."
        )
    if not data.is_investment:
        errors["is_investment"] = (
            "Seules les opérations d'investissement sont éligibles au contrat territorial "
            "(pas de dépenses de fonctionnement)."
        )
    if len(data.description) > MAX_TEXT:
        errors["description"] = f"La description dépasse {format_number(MAX_TEXT)} caractères."
    cost = parse_field(errors, "estimated_cost", data.estimated_cost)
    grant = parse_field(errors, "grant_requested", data.grant_requested)
    fundings: list[tuple[str, Decimal]] = []
    if len(data.fundings) > MAX_FUNDINGS:
        errors["fundings"] = f"{MAX_FUNDINGS} autres financeurs au plus."
    for index, funding in enumerate(data.fundings[:MAX_FUNDINGS], start=1):
        funder = funding.funder.strip()
        amount = parse_field(errors, f"fundings.{index}.amount", funding.amount)
        if not funder:
            errors[f"fundings.{index}.funder"] = f"Financeur n° {index} : nom obligatoire."
        elif len(funder) > 200:
            errors[f"fundings.{index}.funder"] = f"Financeur n° {index} : 200 caractères au maximum."
        if amount is not None:
            fundings.append((funder, amount))
    if cost is not None and grant is not None and not any(k.startswith("fundings.") for k in errors):
        errors.update(check_amounts(cost, grant, sum((a for _, a in fundings), Decimal("0.00")), rules))
    priority = _integer(data.priority)
    if priority not in (1, 2, 3):
        errors["priority"] = "La priorité vaut 1, 2 ou 3."
    year = _integer(data.planned_year)
    first, last = contract.starts_on.year, contract.ends_on.year
    if year is None or not first <= year <= last:
        errors["planned_year"] = (
            f"L'année prévue doit être comprise entre {first} et {last} (période du contrat)."
        )
    if data.deliberation_on is not None and data.deliberation_on > today:
        errors["deliberation_on"] = "La date de délibération ne peut pas être dans le futur."
    if len(data.deliberation_reference.strip()) > 200:
        errors["deliberation_reference"] = "La référence de la délibération dépasse 200 caractères."
    if errors:
        raise InvalidInput(errors, "Fiche projet non enregistrée")
    assert not isinstance(owner, str) and theme is not None and cost is not None and grant is not None
    assert priority is not None and year is not None
    return Resolved(owner, theme, cost, grant, fundings, priority, year)


def check_editable(contract: Contract) -> None:
    """Project sheets change until the contract is evaluated."""
    if contract.stage in (ContractStage.EVALUE, ContractStage.CLOS):
        raise NotAllowed(f"Le contrat est « {contract.stage.label} » : ses fiches projets ne changent plus.")


def _apply(project: ProjectSheet, resolved: Resolved, data: ProjectInput) -> None:
    project.title = data.title.strip()
    project.owner_kind = resolved.owner.kind
    project.owner_commune_id = resolved.owner.id if resolved.owner.kind is OwnerKind.COMMUNE else None
    project.owner_intercommunality_id = (
        resolved.owner.id if resolved.owner.kind is OwnerKind.INTERCOMMUNALITY else None
    )
    project.owner_syndicate_id = resolved.owner.id if resolved.owner.kind is OwnerKind.SYNDICATE else None
    project.theme = resolved.theme
    project.description = data.description.strip().replace("\r\n", "\n")
    project.estimated_cost = resolved.estimated_cost
    project.grant_requested = resolved.grant_requested
    project.priority = resolved.priority
    project.planned_year = resolved.planned_year
    project.deliberation_on = data.deliberation_on
    project.deliberation_reference = data.deliberation_reference.strip()
    current = [(f.funder, f.amount) for f in project.fundings]
    if current != resolved.fundings:
        project.fundings = [
            ProjectFunding(funder=funder, amount=amount) for funder, amount in resolved.fundings
        ]


def create_project(
    contract: Contract,
    data: ProjectInput,
    *,
    rules: ProjectRules | None = None,
    origin: Origin = NO_ORIGIN,
) -> ProjectSheet:
    """A new fiche projet, status « proposée », numbered after the contract's last one."""
    check_editable(contract)
    today = origin.day()
    resolved = _resolve(contract, data, rules or ProjectRules(), today)
    project = ProjectSheet(
        number=max((p.number for p in contract.projects), default=0) + 1,
        status=ProjectStatus.PROPOSEE,
        is_in_plan=False,
    )
    _apply(project, resolved, data)
    project.status_changes = [
        ProjectStatusChange(status=ProjectStatus.PROPOSEE, changed_on=today, user=origin.user)
    ]
    contract.projects.append(project)
    db.session.flush()
    record_event(
        contract,
        kind=EventKind.PROJECT,
        origin=origin,
        project=project,
        summary=f"Fiche projet n° {project.number} proposée : {project.title} ({resolved.owner.name}), "
        f"coût {format_euros(project.estimated_cost)} HT, "
        f"aide demandée {format_euros(project.grant_requested)}.",
    )
    return project


def _snapshot(project: ProjectSheet) -> dict[str, str]:
    return {
        "titre": project.title,
        "maître d'ouvrage": project.owner_name,
        "thème": str(project.theme),
        "description": project.description,
        "coût HT": str(project.estimated_cost),
        "aide demandée": str(project.grant_requested),
        "autres financements": "; ".join(f"{f.funder} {f.amount}" for f in project.fundings),
        "priorité": str(project.priority),
        "année prévue": str(project.planned_year),
        "délibération": f"{project.deliberation_on or ''} {project.deliberation_reference}".strip(),
    }


def _proposed(resolved: Resolved, data: ProjectInput) -> dict[str, str]:
    """The same fields as `_snapshot`, for the values about to be applied."""
    return {
        "titre": data.title.strip(),
        "maître d'ouvrage": resolved.owner.name,
        "thème": str(resolved.theme),
        "description": data.description.strip().replace("\r\n", "\n"),
        "coût HT": str(resolved.estimated_cost),
        "aide demandée": str(resolved.grant_requested),
        "autres financements": "; ".join(f"{funder} {amount}" for funder, amount in resolved.fundings),
        "priorité": str(resolved.priority),
        "année prévue": str(resolved.planned_year),
        "délibération": f"{data.deliberation_on or ''} {data.deliberation_reference.strip()}".strip(),
    }


LOCKED_AFTER_SIGNATURE = ("maître d'ouvrage", "thème", "coût HT", "aide demandée")


def update_project(
    project: ProjectSheet,
    data: ProjectInput,
    *,
    rules: ProjectRules | None = None,
    origin: Origin = NO_ORIGIN,
) -> list[str]:
    """Edit a fiche projet; returns the names of the changed fields.

    A project of a signed contract's plan keeps its owner, theme and amounts: an avenant changes them.
    """
    contract = project.contract
    check_editable(contract)
    resolved = _resolve(contract, data, rules or ProjectRules(), origin.day())
    before = _snapshot(project)
    after = _proposed(resolved, data)
    changed = [name for name in before if before[name] != after[name]]
    locked = [name for name in changed if name in LOCKED_AFTER_SIGNATURE]
    if locked and project.is_in_plan and contract.stage.is_signed:
        raise PlanLocked(f"Fiche n° {project.number} : {', '.join(locked)} ne changent que par un avenant.")
    _apply(project, resolved, data)
    db.session.flush()
    if changed:
        record_event(
            contract,
            kind=EventKind.PROJECT,
            origin=origin,
            project=project,
            summary=f"Fiche projet n° {project.number} modifiée : {', '.join(changed)}.",
            details={name: {"avant": before[name], "après": after[name]} for name in changed},
        )
    return changed


def set_precheck(
    project: ProjectSheet,
    result: str,
    reason: str = "",
    *,
    on: date | None = None,
    origin: Origin = NO_ORIGIN,
) -> None:
    """Record the pré-instruction of the Département's services; a reason is required unless conforme."""
    check_editable(project.contract)
    today = origin.day()
    on = on or today
    errors: dict[str, str] = {}
    outcome: PreCheck | None = None
    try:
        outcome = PreCheck(result)
    except ValueError:
        errors["result"] = "Résultat de pré-instruction attendu : conforme, a_completer ou non_eligible."
    reason = reason.strip()
    if outcome in (PreCheck.A_COMPLETER, PreCheck.NON_ELIGIBLE) and not reason:
        errors["reason"] = "Indiquez le motif (pièces à compléter ou raison de la non-éligibilité)."
    if len(reason) > MAX_TEXT:
        errors["reason"] = f"Le motif dépasse {format_number(MAX_TEXT)} caractères."
    if on > today:
        errors["on"] = "La date de pré-instruction ne peut pas être dans le futur."
    if outcome is PreCheck.NON_ELIGIBLE and project.is_in_plan:
        errors["result"] = (
            "Retirez d'abord la fiche du plan d'actions : une fiche du plan ne peut être non éligible."
        )
    if errors:
        raise InvalidInput(errors, "Pré-instruction non enregistrée")
    assert outcome is not None
    project.precheck, project.precheck_reason, project.prechecked_on = outcome, reason, on
    db.session.flush()
    record_event(
        project.contract,
        kind=EventKind.PRECHECK,
        origin=origin,
        project=project,
        summary=f"Pré-instruction de la fiche n° {project.number} : {outcome.label.lower()}"
        + (f" ({reason})" if reason else "")
        + ".",
    )
