"""Decisions of a meeting: recorded once, applied to the contract in the same transaction, undone
before diffusion.

A typed decision changes the contract or a project sheet through the contracts domain (`effects.py`),
which writes the contract's history with an `Origin` naming the meeting. Nothing is written when a check
fails: the errors come back by field, in French. The caller commits.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from concertation.accounts.models import User
from concertation.contracts.exceptions import ChangeConflict, ContractError, TransitionRefused
from concertation.contracts.exceptions import InvalidInput as ContractInvalidInput
from concertation.contracts.models import Contract
from concertation.contracts.origin import Origin
from concertation.contracts.settings import ProjectRules
from concertation.core.timeutils import now_utc, to_paris
from concertation.extensions import db
from concertation.meetings.contracts import contract_choices
from concertation.meetings.models import Meeting, MeetingStatus
from concertation.minutes.effects import EFFECTS, Applied, Context, DecisionInput, undo_effect
from concertation.minutes.enums import DecisionKind
from concertation.minutes.exceptions import InvalidInput, MinutesLocked, NotAllowed
from concertation.minutes.minutes import minutes_of
from concertation.minutes.models import Decision

MAX_TEXT = 5000
WHAT = "Décision non enregistrée"
# Errors of the contracts domain, by their field there -> the field of the decision form.
CONTRACT_FIELDS = {
    "priority": "priority",
    "estimated_cost": "estimated_cost",
    "grant_requested": "grant_requested",
    "fundings": "grant_requested",
    "reason": "text",
    "urgency_reason": "text",
    "new_envelope": "new_envelope",
    "amount": "amount",
    "decision_reference": "decision_reference",
    "voted_on": "voted_on",
    "signed_on": "signed_on",
}

__all__ = [
    "DecisionInput",
    "decisions_of",
    "link_contract",
    "record_decision",
    "relink_refusal",
    "undo_decision",
]


def decisions_of(meeting: Meeting, *, active_only: bool = False) -> list[Decision]:
    """The meeting's decisions in agenda order, then by recording (one query, links loaded)."""
    query = (
        select(Decision)
        .where(Decision.meeting_id == meeting.id)
        .options(
            selectinload(Decision.agenda_item),
            selectinload(Decision.project),
            selectinload(Decision.amendment),
            selectinload(Decision.created_by),
        )
        .order_by(Decision.id)
    )
    if active_only:
        query = query.where(Decision.undone_at.is_(None))
    rows = list(db.session.scalars(query))
    return sorted(rows, key=lambda d: (d.agenda_item.position if d.agenda_item else 10_000, d.id))


def _check_writable(meeting: Meeting, now: datetime) -> None:
    if meeting.status == MeetingStatus.ANNULEE:
        raise NotAllowed("La réunion est annulée : elle n'a pas de décisions.")
    if meeting.starts_at > now:
        raise NotAllowed(
            "La réunion n'a pas encore eu lieu : ses décisions s'enregistrent une fois commencée."
        )
    minutes = minutes_of(meeting)
    if minutes is not None and not minutes.is_draft:
        raise MinutesLocked(minutes.status.label)


def relink_refusal(meeting: Meeting, contract_id: int | None) -> str | None:
    """Why the meeting may not leave its contract for `contract_id` (None: unlinked), if it may not."""
    if meeting.contract_id not in (None, contract_id) and any(
        d.contract_id == meeting.contract_id for d in decisions_of(meeting, active_only=True)
    ):
        return "Des décisions ont été prises sur le contrat relié : annulez-les d'abord."
    return None


def link_contract(meeting: Meeting, contract: Contract) -> None:
    """Link the meeting to a contract of its territory, until a decision has been taken on it."""
    if meeting.status == MeetingStatus.ANNULEE:
        raise NotAllowed("La réunion est annulée.")
    if contract.id not in {c.id for c in contract_choices(meeting)}:
        raise InvalidInput(
            {"contract_id": "Ce contrat ne concerne pas le territoire de la réunion."}, "Contrat non relié"
        )
    refusal = relink_refusal(meeting, contract.id)
    if refusal:
        raise NotAllowed(refusal)
    meeting.contract = contract
    db.session.flush()


def _resolve(meeting: Meeting, data: DecisionInput) -> tuple[DecisionKind, dict[str, str]]:
    errors: dict[str, str] = {}
    try:
        kind = DecisionKind(data.kind)
    except ValueError:
        choices = ", ".join(k.value for k in DecisionKind)
        raise InvalidInput({"kind": f"Type de décision inconnu ({choices})."}, WHAT) from None
    items = {item.id for item in meeting.agenda_items}
    if data.agenda_item_id is None and items:
        errors["agenda_item_id"] = "Choisissez le point de l'ordre du jour de la décision."
    elif data.agenda_item_id is not None and data.agenda_item_id not in items:
        errors["agenda_item_id"] = "Ce point n'est pas à l'ordre du jour de la réunion."
    text = data.text.strip()
    if len(text) > MAX_TEXT:
        errors["text"] = f"Le texte dépasse {MAX_TEXT} caractères."
    elif not text and kind in (
        DecisionKind.AUTRE,
        DecisionKind.AVENANT_PROPOSE,
        DecisionKind.RESERVE_ACCORDEE,
    ):
        errors["text"] = {
            DecisionKind.AUTRE: "Rédigez la décision.",
            DecisionKind.AVENANT_PROPOSE: "Indiquez l'objet de l'avenant.",
            DecisionKind.RESERVE_ACCORDEE: "Expliquez l'urgence qui justifie le fonds de réserve.",
        }[kind]
    contract = meeting.contract
    if kind.needs_contract and contract is None:
        errors["contract_id"] = "Reliez d'abord la réunion au contrat territorial concerné."
    if kind.needs_project:
        project = (
            next((p for p in contract.projects if p.id == data.project_id), None)
            if contract is not None
            else None
        )
        if data.project_id is None:
            errors["project_id"] = "Choisissez la fiche projet."
        elif project is None and contract is not None:
            errors["project_id"] = "Cette fiche projet n'appartient pas au contrat de la réunion."
    return kind, errors


def _contract_errors(kind: DecisionKind, error: ContractError) -> dict[str, str]:
    if isinstance(error, ContractInvalidInput):
        return {CONTRACT_FIELDS.get(name, "kind"): message for name, message in error.errors.items()}
    if isinstance(error, TransitionRefused):
        return {"kind": " ".join(error.problems)}
    return {"project_id" if kind.needs_project else "kind": str(error)}


def record_decision(
    meeting: Meeting,
    data: DecisionInput,
    *,
    user: User | None = None,
    rules: ProjectRules | None = None,
    now: datetime | None = None,
) -> Decision:
    """Record a decision and apply it to the meeting's contract, all or nothing."""
    now = now or now_utc()
    _check_writable(meeting, now)
    kind, errors = _resolve(meeting, data)
    if errors:
        raise InvalidInput(errors, WHAT)
    contract = meeting.contract
    project = next((p for p in contract.projects if p.id == data.project_id), None) if contract else None
    today = to_paris(now).date()
    on: date = min(meeting.on, today)
    if contract is None:
        applied = Applied(" ".join(data.text.split()))
    else:
        origin = Origin(user=user, meeting_id=meeting.id, today=today)
        ctx = Context(meeting, contract, project, data, on, origin, rules or ProjectRules())
        try:
            # A savepoint: a contract function that fails half-way leaves nothing behind.
            with db.session.begin_nested():
                applied = EFFECTS[kind](ctx)
        except ContractError as error:
            raise InvalidInput(_contract_errors(kind, error), WHAT) from None
    decision = Decision(
        meeting_id=meeting.id,
        agenda_item_id=data.agenda_item_id,
        kind=kind,
        text=data.text.strip(),
        summary=(applied.summary or kind.label)[:500],
        contract_id=contract.id if contract is not None and kind.needs_contract else None,
        project_id=project.id if project is not None and kind.needs_project else None,
        amendment_id=applied.amendment_id,
        change=applied.change,
        event_id=applied.event_id,
        created_by=user,
        created_at=now,
    )
    if contract is not None and kind is DecisionKind.AUTRE:
        decision.contract_id = contract.id
    db.session.add(decision)
    db.session.flush()
    return decision


# Decisions that only make sense on top of another kind: the action plan is settled during the
# propositions or the negotiation, which the validation of the diagnostic opened.
RELIES_ON: dict[DecisionKind, frozenset[DecisionKind]] = {
    DecisionKind.DIAGNOSTIC_VALIDE: frozenset({DecisionKind.PLAN_ARRETE}),
}


def _relying_decision(decision: Decision, kind: DecisionKind) -> Decision | None:
    """A later, still active decision on the same contract that relies on this one, if any."""
    kinds = RELIES_ON.get(kind)
    if not kinds or decision.contract_id is None:
        return None
    return db.session.scalar(
        select(Decision)
        .where(
            Decision.contract_id == decision.contract_id,
            Decision.id > decision.id,
            Decision.undone_at.is_(None),
            Decision.kind.in_([str(k) for k in kinds]),
        )
        .order_by(Decision.id)
        .limit(1)
    )


def undo_decision(
    decision: Decision,
    *,
    user: User | None = None,
    rules: ProjectRules | None = None,
    now: datetime | None = None,
) -> None:
    """Revert a decision not yet diffused; the contracts domain records the reversal in the history."""
    now = now or now_utc()
    if not decision.is_active:
        raise NotAllowed("Cette décision est déjà annulée.")
    if decision.published_version is not None:
        raise NotAllowed(
            f"Cette décision a été diffusée avec la version {decision.published_version} du compte rendu : "
            "elle ne s'annule plus ; corrigez-la par une nouvelle décision."
        )
    meeting = decision.meeting
    if meeting.status == MeetingStatus.ANNULEE:
        raise NotAllowed("La réunion est annulée.")
    minutes = minutes_of(meeting)
    if minutes is not None and not minutes.is_draft:
        raise MinutesLocked(minutes.status.label)
    kind = decision.kind
    relying = _relying_decision(decision, kind)
    if relying is not None:
        raise NotAllowed(
            f"La décision « {relying.kind.label} » a été prise depuis "
            f"(réunion « {relying.meeting.title} » du {relying.meeting.on:%d/%m/%Y}) et repose sur "
            f"celle-ci : annulez-la d'abord."
        )
    try:
        with db.session.begin_nested():
            undo_effect(
                kind,
                decision.change,
                decision.contract,
                summary=decision.summary,
                origin=Origin(user=user, meeting_id=meeting.id),
                rules=rules or ProjectRules(),
            )
    except ChangeConflict as error:
        raise NotAllowed(str(error)) from None
    except ContractError as error:
        raise NotAllowed(f"Annulation impossible : {error}") from None
    decision.undone_at = now
    decision.undone_by = user
    db.session.flush()
