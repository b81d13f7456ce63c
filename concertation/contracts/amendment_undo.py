"""Undoing the signature of an avenant decided by mistake: back to « en préparation », changes undone.

The counterpart of `amendments.sign_amendment`, kept apart because it checks, project by project, that
nothing relies on the signature since. The caller commits.
"""

from __future__ import annotations

from datetime import date

from concertation.contracts.amendments import AMENDABLE, record_applied, record_step
from concertation.contracts.changes import drop_last_status, wrote_last_status
from concertation.contracts.enums import (
    FUNDED_STATUSES,
    AmendmentChangeKind,
    ProjectStatus,
)
from concertation.contracts.exceptions import ChangeConflict
from concertation.contracts.models import Amendment, AmendmentChange
from concertation.contracts.money import format_euros
from concertation.contracts.origin import NO_ORIGIN, Origin

# Statuses after which a project's grant is committed: an avenant's amounts no longer go back.
COMMITTED = frozenset({ProjectStatus.AIDE_ATTRIBUEE, ProjectStatus.REALISEE})


def _applied_problem(change: AmendmentChange, signed_on: date) -> str | None:
    """Why the project no longer holds what the signed avenant gave it (None: it still does)."""
    project = change.project
    kind = change.kind
    name = f"la fiche n° {project.number} « {project.title} »"
    status = project.status
    if project.is_in_plan != (kind is not AmendmentChangeKind.REMOVE):
        moved = "a quitté le" if kind is not AmendmentChangeKind.REMOVE else "est revenue dans le"
        return f"{name} {moved} plan d'actions depuis"
    if kind is not AmendmentChangeKind.REMOVE:
        cost = change.new_cost if change.new_cost is not None else change.old_cost
        grant = change.new_grant if change.new_grant is not None else change.old_grant
        if (project.estimated_cost, project.grant_requested) != (cost, grant):
            return f"les montants de {name} ont changé depuis"
    statuses = project.status_changes
    if kind is AmendmentChangeKind.AMOUNT:
        if status in COMMITTED and statuses[-1].changed_on >= signed_on:
            return f"{name} est « {status.label} » depuis : son aide est engagée"
        return None
    # Entering or leaving the plan dated a status on the signature day, over the status before: if
    # those are no longer the two latest statuses, the sheet went on since (programmed, reserve fund...).
    reached, before = (
        (ProjectStatus.RETENUE, {ProjectStatus.PROPOSEE})
        if kind is AmendmentChangeKind.ADD
        else (ProjectStatus.PROPOSEE, FUNDED_STATUSES - COMMITTED)
    )
    untouched = project.reserve_grant is None and wrote_last_status(project, reached, signed_on, before)
    return None if untouched else f"{name} a changé de statut depuis (elle est « {status.label} »)"


def unsign_problems(amendment: Amendment) -> list[str]:
    """Why the signature of the avenant cannot be undone (an empty list: it can)."""
    if amendment.signed_on is None:
        return [f"l'avenant n° {amendment.number} n'est pas signé"]
    contract = amendment.contract
    problems: list[str] = []
    if contract.stage not in AMENDABLE:
        problems.append(f"le contrat est passé depuis à l'étape « {contract.stage.label} »")
    problems += [
        f"l'avenant n° {a.number} a été ouvert depuis"
        for a in contract.amendments
        if a.number > amendment.number
    ]
    if amendment.new_envelope is not None and contract.envelope != amendment.new_envelope:
        problems.append(
            f"l'enveloppe a changé depuis ({format_euros(contract.envelope)} au lieu de "
            f"{format_euros(amendment.new_envelope)})"
        )
    for change in amendment.changes:
        problem = _applied_problem(change, amendment.signed_on)
        if problem:
            problems.append(problem)
    return problems


def unsign_amendment(amendment: Amendment, *, origin: Origin = NO_ORIGIN) -> None:
    """Undo the vote and the signature of an avenant: it is in preparation again, its changes undone.

    Refused, with every reason, when the contract relies on it since: a later avenant, another stage,
    another envelope, a changed project (amounts, place in the plan, status). Each project gets back
    its amounts, its place in the plan and its previous status (the status dated by the signature
    disappears); the contract gets back its envelope; the history records each step. Nothing is
    written when it is refused.
    """
    problems = unsign_problems(amendment)
    if problems:
        raise ChangeConflict(
            f"La signature de l'avenant n° {amendment.number} ne peut pas être annulée : "
            + " ; ".join(problems)
            + "."
        )
    contract = amendment.contract
    for change in reversed(amendment.changes):
        project = change.project
        grant_after = project.grant_requested
        if change.kind != AmendmentChangeKind.AMOUNT:
            project.is_in_plan = change.kind == AmendmentChangeKind.REMOVE
            drop_last_status(project)
        assert change.old_cost is not None and change.old_grant is not None, "recorded at signature"
        project.estimated_cost, project.grant_requested = change.old_cost, change.old_grant
        change.old_cost = change.old_grant = None
        record_applied(
            change,
            f"Avenant n° {amendment.number} annulé : {change.kind.label.lower()} défait — "
            f"fiche n° {project.number} « {project.title} », aide "
            + (format_euros(grant_after) if change.kind != AmendmentChangeKind.REMOVE else "hors plan")
            + f" → {format_euros(project.grant_requested) if project.is_in_plan else 'hors plan'}.",
            origin=origin,
        )
    envelope_back = amendment.old_envelope
    if envelope_back is not None:
        contract.envelope = envelope_back
        amendment.old_envelope = None
    signed_on = amendment.signed_on
    amendment.voted_on = amendment.signed_on = None
    record_step(
        amendment,
        f"Signature de l'avenant n° {amendment.number} du {signed_on:%d/%m/%Y} annulée : "
        f"il redevient en préparation, {len(amendment.changes)} modification(s) du plan défaite(s)"
        + (f", enveloppe ramenée à {format_euros(envelope_back)}" if envelope_back is not None else "")
        + ".",
        origin=origin,
    )
