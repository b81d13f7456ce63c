"""What a typed decision does to the contract, always through the contracts domain's functions.

Each `apply_*` returns an `Applied`: the French summary of what changed, what undoing needs, and the
history line (its `Origin` names the meeting, so that the contract's timeline links back to it).
Contract errors are let through; `decisions.py` turns them into field errors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from concertation.contracts.amendment_undo import unsign_amendment
from concertation.contracts.amendments import (
    AmendmentInput,
    create_amendment,
    delete_amendment,
    sign_amendment,
)
from concertation.contracts.changes import (
    ProjectChange,
    revert_change,
    set_amounts,
    set_in_plan,
    set_priority,
)
from concertation.contracts.enums import ContractStage, EventKind
from concertation.contracts.exceptions import ChangeConflict
from concertation.contracts.exceptions import NotAllowed as ContractNotAllowed
from concertation.contracts.history import record_event
from concertation.contracts.models import Amendment, Contract, ContractEvent, ProjectSheet, ReserveGrant
from concertation.contracts.money import format_euros
from concertation.contracts.origin import Origin
from concertation.contracts.plan import financial_plan
from concertation.contracts.reserve import ReserveInput, grant_reserve, revoke_reserve
from concertation.contracts.settings import ProjectRules
from concertation.contracts.stages import change_stage, revert_stage_change
from concertation.extensions import db
from concertation.meetings.models import Meeting
from concertation.minutes.enums import DecisionKind
from concertation.minutes.exceptions import InvalidInput, NotAllowed


@dataclass
class DecisionInput:
    """A decision as entered; which fields count depends on `kind`."""

    kind: str
    agenda_item_id: int | None = None
    text: str = ""
    project_id: int | None = None
    priority: int | str | None = None
    estimated_cost: str | None = None
    grant_requested: str | None = None
    amendment_id: int | None = None
    new_envelope: str | None = None
    amount: str | None = None
    decision_reference: str = ""
    voted_on: date | None = None
    signed_on: date | None = None


@dataclass
class Context:
    """Everything an effect needs: the meeting, its contract, the project, the date of the decision
    (`on`) and the origin of the changes (who, this meeting, today)."""

    meeting: Meeting
    contract: Contract
    project: ProjectSheet | None
    data: DecisionInput
    on: date
    origin: Origin
    rules: ProjectRules


@dataclass
class Applied:
    summary: str
    change: dict[str, Any] = field(default_factory=dict)
    event_id: int | None = None
    amendment_id: int | None = None


def _last_event(contract: Contract, meeting: Meeting) -> int | None:
    """The history line just written for this contract in this meeting."""
    return db.session.scalar(
        select(ContractEvent.id)
        .where(ContractEvent.contract_id == contract.id, ContractEvent.meeting_id == meeting.id)
        .order_by(ContractEvent.id.desc())
        .limit(1)
    )


def _project(ctx: Context) -> ProjectSheet:
    assert ctx.project is not None, "checked by decisions.record_decision"
    return ctx.project


def _from_change(change: ProjectChange, summary: str) -> Applied:
    return Applied(summary, change.as_dict(), change.event_id)


def _event_summary(event_id: int | None, default: str) -> str:
    event = db.session.get(ContractEvent, event_id) if event_id is not None else None
    return event.summary if event is not None else default


def apply_diagnostic(ctx: Context) -> Applied:
    change = change_stage(
        ctx.contract,
        ContractStage.PROPOSITIONS,
        on=ctx.on,
        origin=ctx.origin,
    )
    return Applied(
        "Diagnostic validé : le contrat passe à l'étape « Propositions d'actions ».",
        {"stage_change_id": change.id, "to_stage": str(change.to_stage)},
        _last_event(ctx.contract, ctx.meeting),
    )


def _priority(raw: int | str | None) -> int:
    text = str(raw if raw is not None else "").strip()
    if not (text.isascii() and text.isdigit()):
        raise InvalidInput({"priority": "La priorité vaut 1, 2 ou 3."}, "Décision non enregistrée")
    return int(text)


def apply_priority(ctx: Context) -> Applied:
    project = _project(ctx)
    change = set_priority(project, _priority(ctx.data.priority), origin=ctx.origin)
    return _from_change(change, _event_summary(change.event_id, ""))


def apply_plan_add(ctx: Context) -> Applied:
    change = set_in_plan(_project(ctx), True, on=ctx.on, origin=ctx.origin)
    return _from_change(change, _event_summary(change.event_id, ""))


def apply_plan_remove(ctx: Context) -> Applied:
    change = set_in_plan(_project(ctx), False, on=ctx.on, origin=ctx.origin)
    return _from_change(change, _event_summary(change.event_id, ""))


def apply_amounts(ctx: Context) -> Applied:
    if not (ctx.data.estimated_cost or "").strip() and not (ctx.data.grant_requested or "").strip():
        raise InvalidInput(
            {"grant_requested": "Indiquez le nouveau coût ou la nouvelle aide."}, "Décision non enregistrée"
        )
    change = set_amounts(
        _project(ctx),
        estimated_cost=(ctx.data.estimated_cost or "").strip() or None,
        grant_requested=(ctx.data.grant_requested or "").strip() or None,
        rules=ctx.rules,
        origin=ctx.origin,
    )
    return _from_change(change, _event_summary(change.event_id, ""))


def apply_plan_settled(ctx: Context) -> Applied:
    """The concertation settles the action plan: a dated snapshot of it in the history."""
    contract = ctx.contract
    if contract.stage not in (ContractStage.PROPOSITIONS, ContractStage.NEGOCIATION):
        raise ContractNotAllowed(
            "Le plan d'actions s'arrête pendant les propositions ou la négociation ; le contrat est à "
            f"l'étape « {contract.stage.label} »."
        )
    plan = financial_plan(contract)
    if not plan.lines:
        raise ContractNotAllowed("Le plan d'actions est vide : retenez d'abord des fiches projets.")
    if plan.is_over_envelope:
        raise ContractNotAllowed(
            f"Les aides du plan ({format_euros(plan.total.grant)}) dépassent l'enveloppe "
            f"({format_euros(plan.envelope)}) : le plan ne peut pas être arrêté."
        )
    summary = (
        f"Plan d'actions arrêté : {len(plan.lines)} projet(s), {format_euros(plan.total.grant)} d'aides "
        f"sur une enveloppe de {format_euros(plan.envelope)}."
    )
    details = {
        "projets": [
            {"numéro": line.number, "titre": line.title, "aide": str(line.grant), "coût": str(line.cost)}
            for line in plan.lines
        ],
        "aides": str(plan.total.grant),
        "enveloppe": str(plan.envelope),
    }
    event = record_event(
        contract,
        kind=EventKind.PLAN,
        origin=ctx.origin,
        summary=summary,
        details=details,
    )
    return Applied(summary, {"event_id": event.id}, event.id)


def apply_amendment_proposed(ctx: Context) -> Applied:
    amendment = create_amendment(
        ctx.contract,
        AmendmentInput(dated_on=ctx.on, reason=ctx.data.text, new_envelope=ctx.data.new_envelope or None),
        origin=ctx.origin,
    )
    return Applied(
        f"Avenant n° {amendment.number} proposé : {amendment.reason}",
        {"amendment_id": amendment.id},
        _last_event(ctx.contract, ctx.meeting),
        amendment.id,
    )


def _amendment(ctx: Context) -> Amendment:
    drafts = [a for a in ctx.contract.amendments if not a.is_signed]
    if ctx.data.amendment_id is None:
        if len(drafts) == 1:
            return drafts[0]
        message = "Aucun avenant en préparation." if not drafts else "Choisissez l'avenant."
        raise InvalidInput({"amendment_id": message}, "Décision non enregistrée")
    found = next((a for a in ctx.contract.amendments if a.id == ctx.data.amendment_id), None)
    if found is None:
        raise InvalidInput(
            {"amendment_id": "Cet avenant n'appartient pas au contrat de la réunion."},
            "Décision non enregistrée",
        )
    return found


def apply_amendment_approved(ctx: Context) -> Applied:
    amendment = _amendment(ctx)
    sign_amendment(
        amendment,
        voted_on=ctx.data.voted_on or ctx.on,
        signed_on=ctx.data.signed_on or ctx.on,
        origin=ctx.origin,
    )
    return Applied(
        f"Avenant n° {amendment.number} approuvé et signé le {amendment.signed_on:%d/%m/%Y} : "
        f"{len(amendment.changes)} modification(s) du plan appliquée(s).",
        {"amendment_id": amendment.id},
        _last_event(ctx.contract, ctx.meeting),
        amendment.id,
    )


def apply_reserve(ctx: Context) -> Applied:
    project = _project(ctx)
    meeting = ctx.meeting
    grant = grant_reserve(
        project,
        ReserveInput(
            amount=ctx.data.amount or "",
            decided_on=ctx.on,
            decision_body=f"{meeting.kind.label} du {ctx.on:%d/%m/%Y}"[:200],
            decision_reference=ctx.data.decision_reference.strip() or f"Réunion n° {meeting.id}",
            urgency_reason=ctx.data.text,
        ),
        rules=ctx.rules,
        origin=ctx.origin,
    )
    event_id = _last_event(ctx.contract, meeting)
    return Applied(_event_summary(event_id, ""), {"reserve_grant_id": grant.id}, event_id)


def apply_other(ctx: Context) -> Applied:
    text = " ".join(ctx.data.text.split())
    event = record_event(
        ctx.contract,
        kind=EventKind.NOTE,
        origin=ctx.origin,
        summary=f"Décision : {text}",
    )
    return Applied(text, {"event_id": event.id}, event.id)


EFFECTS: dict[DecisionKind, Callable[[Context], Applied]] = {
    DecisionKind.DIAGNOSTIC_VALIDE: apply_diagnostic,
    DecisionKind.PRIORITE_PROJET: apply_priority,
    DecisionKind.PROJET_AJOUTE: apply_plan_add,
    DecisionKind.PROJET_RETIRE: apply_plan_remove,
    DecisionKind.MONTANT_MODIFIE: apply_amounts,
    DecisionKind.PLAN_ARRETE: apply_plan_settled,
    DecisionKind.AVENANT_PROPOSE: apply_amendment_proposed,
    DecisionKind.AVENANT_APPROUVE: apply_amendment_approved,
    DecisionKind.RESERVE_ACCORDEE: apply_reserve,
    DecisionKind.AUTRE: apply_other,
}


def _stored_id(change: dict[str, Any], key: str) -> int | None:
    """An id kept in the decision's JSON; anything else (missing, edited by hand) counts as gone."""
    value = change.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def undo_effect(
    kind: DecisionKind,
    change: dict[str, Any],
    contract: Contract | None,
    *,
    summary: str,
    origin: Origin,
    rules: ProjectRules,
) -> None:
    """Revert what a decision did, through the contracts domain (which records it with the meeting).

    The contracts domain refuses, with `ChangeConflict` and the reason in French, when something
    relies on the decision since; nothing is then written.
    """
    if kind in (
        DecisionKind.PRIORITE_PROJET,
        DecisionKind.PROJET_AJOUTE,
        DecisionKind.PROJET_RETIRE,
        DecisionKind.MONTANT_MODIFIE,
    ):
        revert_change(ProjectChange.from_dict(change), origin=origin, rules=rules)
    elif kind is DecisionKind.DIAGNOSTIC_VALIDE and contract is not None:
        revert_stage_change(contract, _stored_id(change, "stage_change_id"), origin=origin)
    elif kind is DecisionKind.AVENANT_PROPOSE:
        amendment = db.session.get(Amendment, change.get("amendment_id"))
        if amendment is None:
            return
        if amendment.is_signed:
            raise NotAllowed(
                f"L'avenant n° {amendment.number} est signé : annulez d'abord la décision qui l'a approuvé."
            )
        # Like every other reversal, the history line names the meeting whose decision is undone.
        delete_amendment(amendment, origin=origin)
    elif kind is DecisionKind.AVENANT_APPROUVE:
        found = _stored_id(change, "amendment_id")
        amendment = db.session.get(Amendment, found) if found is not None else None
        if amendment is None:
            raise ChangeConflict("L'avenant a été supprimé depuis : la décision ne peut pas être annulée.")
        unsign_amendment(amendment, origin=origin)
    elif kind is DecisionKind.RESERVE_ACCORDEE:
        found = _stored_id(change, "reserve_grant_id")
        grant = db.session.get(ReserveGrant, found) if found is not None else None
        if grant is None:
            raise ChangeConflict(
                "L'aide du fonds de réserve a été supprimée depuis : la décision ne peut pas être annulée."
            )
        revoke_reserve(grant, origin=origin)
    elif kind in (DecisionKind.PLAN_ARRETE, DecisionKind.AUTRE) and contract is not None:
        record_event(
            contract,
            kind=EventKind.PLAN if kind is DecisionKind.PLAN_ARRETE else EventKind.NOTE,
            origin=origin,
            summary=f"Décision annulée : {summary}",
        )
