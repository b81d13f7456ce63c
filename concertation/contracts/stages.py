"""The stage machine of a contract: one step forward at a time, each with its conditions and its date.

diagnostic → propositions → negociation → signe → mise_en_oeuvre → evalue → clos. A refused transition
raises `TransitionRefused` listing, in French, every condition that is not met; nothing is written.
A transition decided by mistake is undone with `revert_stage_change`, only while nothing relies on it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from concertation.contracts.enums import (
    IMPLEMENTATION_STATUSES,
    ContractStage,
    DiagnosticHeading,
    EventKind,
    PreCheck,
)
from concertation.contracts.exceptions import ChangeConflict, NotAllowed, TransitionRefused
from concertation.contracts.history import record_event
from concertation.contracts.models import Contract, StageChange
from concertation.contracts.money import ZERO, format_euros
from concertation.contracts.origin import NO_ORIGIN, Origin
from concertation.core.timeutils import today_paris

NEXT_STAGE: dict[ContractStage, ContractStage] = {
    ContractStage.DIAGNOSTIC: ContractStage.PROPOSITIONS,
    ContractStage.PROPOSITIONS: ContractStage.NEGOCIATION,
    ContractStage.NEGOCIATION: ContractStage.SIGNE,
    ContractStage.SIGNE: ContractStage.MISE_EN_OEUVRE,
    ContractStage.MISE_EN_OEUVRE: ContractStage.EVALUE,
    ContractStage.EVALUE: ContractStage.CLOS,
}


def next_stage(contract: Contract) -> ContractStage | None:
    return NEXT_STAGE.get(contract.stage)


def _diagnostic_written(contract: Contract, on: date) -> list[str]:
    if any(contract.diagnostic(heading).strip() for heading in DiagnosticHeading):
        return []
    return [
        "Le diagnostic est vide : renseignez au moins une rubrique (atouts, faiblesses, dynamiques, enjeux)."
    ]


def _projects_proposed(contract: Contract, on: date) -> list[str]:
    if any(p.status != "abandonnee" for p in contract.projects):
        return []
    return ["Aucune fiche projet proposée : rédigez au moins une fiche projet avant la négociation."]


def _signable(contract: Contract, on: date) -> list[str]:
    """An action plan, pre-checked and deliberated projects, credits that cover it, every signature."""
    problems: list[str] = []
    plan = [p for p in contract.projects if p.is_in_plan]
    if not plan:
        problems.append("Pas de plan d'actions : retenez au moins une fiche projet dans le plan.")
    for project in plan:
        name = f"Fiche n° {project.number} « {project.title} »"
        if project.precheck != PreCheck.CONFORME:
            problems.append(f"{name} : pré-instruction non conforme ({project.precheck_label.lower()}).")
        if project.deliberation_on is None:
            problems.append(f"{name} : délibération du maître d'ouvrage manquante.")
    total = sum((p.grant_requested for p in plan), ZERO)
    if contract.envelope <= 0:
        problems.append("Les crédits affectés au contrat (enveloppe) ne sont pas renseignés.")
    elif total > contract.envelope:
        problems.append(
            f"Les aides du plan ({format_euros(total)}) dépassent l'enveloppe "
            f"({format_euros(contract.envelope)})."
        )
    signed_by = {s.body_key for s in contract.signatories}
    required: dict[tuple[str, int | None], str] = {
        ("departement", None): "Le Département doit être signataire du contrat.",
        ("intercommunality", contract.intercommunality_id): (
            f"{contract.intercommunality.name} doit être signataire du contrat."
        ),
    }
    for project in plan:
        required.setdefault(
            project.owner_key,
            f"{project.owner_name} porte un projet du plan mais n'est pas signataire du contrat.",
        )
    problems.extend(message for key, message in required.items() if key not in signed_by)
    for signatory in contract.signatories:
        if signatory.deliberation_on is None:
            problems.append(f"{signatory.name} : délibération approuvant le contrat manquante.")
        if signatory.signed_on is None:
            problems.append(f"{signatory.name} : signature manquante.")
        elif signatory.signed_on > on:
            problems.append(
                f"{signatory.name} a signé le {signatory.signed_on:%d/%m/%Y}, après la date de signature "
                f"indiquée ({on:%d/%m/%Y})."
            )
    return problems


def _started(contract: Contract, on: date) -> list[str]:
    if on >= contract.starts_on:
        return []
    return [f"La mise en œuvre commence au début du contrat, le {contract.starts_on:%d/%m/%Y}."]


def _no_draft_amendment(contract: Contract, on: date) -> list[str]:
    return [
        f"L'avenant n° {a.number} n'est pas signé : signez-le ou supprimez-le d'abord."
        for a in contract.amendments
        if not a.is_signed
    ]


def _evaluated(contract: Contract, on: date) -> list[str]:
    problems = (
        []
        if contract.evaluation.strip()
        else ["Rédigez l'évaluation du contrat avant de le déclarer évalué."]
    )
    return problems + _no_draft_amendment(contract, on)


CONDITIONS: dict[ContractStage, Callable[[Contract, date], list[str]]] = {
    ContractStage.PROPOSITIONS: _diagnostic_written,
    ContractStage.NEGOCIATION: _projects_proposed,
    ContractStage.SIGNE: _signable,
    ContractStage.MISE_EN_OEUVRE: _started,
    ContractStage.EVALUE: _evaluated,
    ContractStage.CLOS: _no_draft_amendment,
}


def _parse(target: ContractStage | str) -> ContractStage | None:
    try:
        return ContractStage(target)
    except ValueError:
        return None


def transition_problems(
    contract: Contract, target: ContractStage | str, on: date, *, today: date | None = None
) -> list[str]:
    """Why the contract cannot move to `target` on date `on` (an empty list: it can)."""
    stage = _parse(target)
    current = contract.stage
    if stage is None:
        choices = ", ".join(s.value for s in ContractStage)
        return [f"Étape inconnue : « {target} » (valeurs possibles : {choices})."]
    if stage is current:
        return [f"Le contrat est déjà à l'étape « {current.label} »."]
    expected = NEXT_STAGE.get(current)
    if expected is None:
        return ["Le contrat est clos : aucune étape ne suit."]
    if stage.rank < current.rank:
        return [
            f"Un contrat ne revient pas à une étape antérieure : après « {current.label} » vient "
            f"« {expected.label} »."
        ]
    if stage is not expected:
        return [f"Aucune étape ne peut être sautée : après « {current.label} » vient « {expected.label} »."]
    problems: list[str] = []
    if on > (today or today_paris()):
        problems.append("La date du passage ne peut pas être dans le futur.")
    last = contract.stage_changes[-1].changed_on if contract.stage_changes else None
    if last is not None and on < last:
        problems.append(
            f"La date du passage ne peut pas précéder celle de l'étape en cours ({last:%d/%m/%Y})."
        )
    return problems + CONDITIONS[stage](contract, on)


def change_stage(
    contract: Contract,
    target: ContractStage | str,
    *,
    on: date | None = None,
    origin: Origin = NO_ORIGIN,
) -> StageChange:
    """Move the contract to the next stage on date `on` (today by default); the caller commits."""
    today = origin.day()
    on = on or today
    problems = transition_problems(contract, target, on, today=today)
    stage = _parse(target)
    if problems:
        raise TransitionRefused(stage.label if stage else str(target), problems)
    assert stage is not None
    change = StageChange(from_stage=contract.stage, to_stage=stage, changed_on=on, user=origin.user)
    contract.stage_changes.append(change)
    _set_stage(
        contract,
        stage,
        f"Passage à l'étape « {stage.label} » le {on:%d/%m/%Y}.",
        {"avant": change.from_stage, "après": stage.value, "date": on.isoformat()},
        origin=origin,
    )
    return change


def _set_stage(
    contract: Contract,
    stage: ContractStage,
    summary: str,
    details: dict[str, str | None],
    *,
    origin: Origin,
) -> None:
    """Put the contract at `stage` and say so in its history; the list of dated stages is the caller's."""
    contract.stage = stage
    record_event(contract, kind=EventKind.STAGE, origin=origin, summary=summary, details=details)


def _relies_on_signature(contract: Contract) -> list[str]:
    """What a signed contract has that an unsigned one cannot have (avenants, reserve fund, works)."""
    problems = [f"l'avenant n° {a.number} a été ouvert" for a in contract.amendments]
    problems += [
        f"la fiche n° {g.project.number} a reçu une aide du fonds de réserve" for g in contract.reserve_grants
    ]
    problems += [
        f"la fiche n° {p.number} est « {p.status.label} »"
        for p in contract.projects
        if p.status in IMPLEMENTATION_STATUSES
    ]
    return problems


def revert_stage_change(
    contract: Contract,
    change_id: int | None,
    *,
    origin: Origin = NO_ORIGIN,
) -> ContractStage:
    """Take the contract back to the stage it left by transition `change_id`, and return that stage.

    Only the latest transition can be undone, and only while the contract is still at the stage it
    reached: a later transition, or what only a signed contract can have, relies on it. The transition
    leaves the list of dated stages (the dates of `stage_on` and of the next transition stay right);
    the history records the reversal. Nothing is written when it is refused.
    """
    change = next((c for c in contract.stage_changes if c.id == change_id), None)
    if change is None or change.from_stage is None:
        raise ChangeConflict(
            "Ce passage d'étape n'existe plus dans le contrat : il ne peut pas être annulé."
            if change is None
            else "La création du contrat ne s'annule pas."
        )
    reached, back_to = change.to_stage, change.from_stage
    latest = contract.stage_changes[-1]
    if latest is not change or contract.stage is not reached:
        raise ChangeConflict(
            f"Le contrat est passé depuis à l'étape « {latest.to_stage.label} » "
            f"(le {latest.changed_on:%d/%m/%Y}) : "
            f"il ne peut pas revenir à l'étape « {back_to.label} »."
        )
    if reached.is_signed and not back_to.is_signed:
        problems = _relies_on_signature(contract)
        if problems:
            raise ChangeConflict(
                f"Le contrat ne peut pas revenir à l'étape « {back_to.label} » : depuis la signature, "
                + ", ".join(problems)
                + "."
            )
    if contract.stage is ContractStage.CLOS:
        raise NotAllowed("Le contrat est clos : il ne peut plus être modifié.")
    contract.stage_changes.remove(change)
    _set_stage(
        contract,
        back_to,
        f"Retour à l'étape « {back_to.label} » : le passage à l'étape « {reached.label} » du "
        f"{change.changed_on:%d/%m/%Y} est annulé.",
        {"avant": reached.value, "après": back_to.value, "passage annulé": change.changed_on.isoformat()},
        origin=origin,
    )
    return back_to
