"""Undoing the decisions that move the contract furthest: the diagnostic validated (a stage), the avenant
approved (a signature and its changes), the reserve fund granted (a grant).

Each undo leaves the contract, its project sheets, its avenants and its reserve fund exactly as before the
decision (every column compared), and adds to the history a reversal linked to the meeting. Each refusal
says why in French and changes nothing at all.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask

from concertation.contracts.amendments import AmendmentInput, add_change, create_amendment
from concertation.contracts.changes import set_in_plan, set_status
from concertation.contracts.enums import ContractStage, ProjectStatus
from concertation.contracts.models import Contract, ProjectSheet
from concertation.contracts.origin import Origin
from concertation.contracts.projects import set_precheck
from concertation.contracts.stages import change_stage
from concertation.extensions import db
from concertation.meetings.models import Meeting
from concertation.minutes.decisions import DecisionInput, link_contract, record_decision, undo_decision
from concertation.minutes.exceptions import NotAllowed
from concertation.minutes.models import Decision
from tests.common.db.contracts import STAGE_DATES, contract_at, history_rows, new_project, prepare, snapshot
from tests.common.db.minutes import past_meeting, with_contract

pytestmark = pytest.mark.usefixtures("lozere")


def _item(meeting: Meeting) -> int:
    return meeting.agenda_items[1].id


def _decide(meeting: Meeting, kind: str, **fields: Any) -> Decision:
    decision = record_decision(meeting, DecisionInput(kind=kind, agenda_item_id=_item(meeting), **fields))
    db.session.commit()
    return decision


def _assert_undone(
    contract: Contract, meeting: Meeting, before: dict[str, Any], history: list[dict[str, Any]], phrase: str
) -> list[dict[str, Any]]:
    """The contract is exactly as `before`; the history kept every line and only gained lines of the
    meeting, the last one being the reversal. Returns the lines gained."""
    assert snapshot(contract) == before
    after = history_rows(contract)
    assert after[: len(history)] == history
    added = after[len(history) :]
    assert added and all(row["meeting_id"] == meeting.id for row in added)
    assert phrase in added[-1]["summary"]
    return added


def _assert_refused(decision: Decision, message: str) -> None:
    """The undo is refused with `message` and writes nothing, not even in the history."""
    contract = decision.contract
    assert contract is not None
    before, history = snapshot(contract), history_rows(contract)
    with pytest.raises(NotAllowed) as error:
        undo_decision(decision)
    assert message in str(error.value)
    assert snapshot(contract) == before
    assert history_rows(contract) == history
    assert decision.is_active


# --- Diagnostic validé ------------------------------------------------------------------------------------


def _validated(
    meeting: Meeting, *, in_plan: bool = False
) -> tuple[Contract, Decision, dict[str, Any], list[dict[str, Any]]]:
    contract = with_contract(meeting, ContractStage.DIAGNOSTIC)
    prepare(contract, ContractStage.PROPOSITIONS)
    if in_plan:
        set_in_plan(contract.projects[0], True, on=date(2026, 10, 1))
    db.session.commit()
    before, history = snapshot(contract), history_rows(contract)
    decision = _decide(meeting, "diagnostic_valide")
    assert contract.stage == ContractStage.PROPOSITIONS
    return contract, decision, before, history


def test_undo_diagnostic_validated_restores_the_stage(app: Flask) -> None:
    meeting = past_meeting()
    contract, decision, before, history = _validated(meeting)
    assert decision.can_be_undone

    undo_decision(decision)
    db.session.commit()
    added = _assert_undone(
        contract, meeting, before, history, "Retour à l'étape « Diagnostic » : le passage à l'étape "
    )
    assert [row["kind"] for row in added] == ["stage", "stage"]
    assert decision.undone_at is not None
    # The diagnostic can be validated again, dated by the meeting, as if the first time never was.
    again = _decide(meeting, "diagnostic_valide")
    assert again.is_active and contract.stage_on(ContractStage.PROPOSITIONS) == meeting.on


def test_undo_diagnostic_refused_once_the_contract_moved_on(app: Flask) -> None:
    meeting = past_meeting()
    contract, decision, _, _ = _validated(meeting)
    change_stage(contract, ContractStage.NEGOCIATION, on=meeting.on)
    db.session.commit()
    _assert_refused(decision, "Le contrat est passé depuis à l'étape « Négociation »")


def test_undo_diagnostic_refused_while_the_plan_settled_since_stands(app: Flask) -> None:
    meeting = past_meeting()
    contract, decision, before, history = _validated(meeting, in_plan=True)
    settled = _decide(meeting, "plan_arrete")
    _assert_refused(decision, "La décision « Plan d'actions arrêté » a été prise depuis")
    undo_decision(settled)
    undo_decision(decision)
    db.session.commit()
    _assert_undone(contract, meeting, before, history, "Retour à l'étape « Diagnostic »")


# --- Avenant approuvé -------------------------------------------------------------------------------------


def _signed_with_two_projects(meeting: Meeting) -> tuple[Contract, ProjectSheet, ProjectSheet]:
    """A contract in implementation whose plan holds two sheets, linked to the meeting."""
    contract = contract_at(ContractStage.NEGOCIATION)
    new_project(contract, title="Réseau d'eau de Montrodat", theme="eau", priority=2)
    for target in (ContractStage.SIGNE, ContractStage.MISE_EN_OEUVRE):
        prepare(contract, target)
        change_stage(contract, target, on=STAGE_DATES[target])
    link_contract(meeting, contract)
    db.session.commit()
    first, second = contract.projects
    assert first.is_in_plan and second.is_in_plan
    return contract, first, second


def _approved(
    meeting: Meeting,
) -> tuple[Contract, Decision, dict[str, Any], list[dict[str, Any]], list[ProjectSheet]]:
    """An avenant that adds a sheet, removes one, changes the amounts of a third and the envelope."""
    contract, kept, removed = _signed_with_two_projects(meeting)
    added = new_project(contract, title="Salle polyvalente", theme="services")
    set_precheck(added, "conforme", on=date(2026, 2, 1))
    amendment = create_amendment(
        contract, AmendmentInput(dated_on=date(2026, 10, 1), reason="Révision", new_envelope="600 000")
    )
    add_change(amendment, kind="add", project=added, new_grant="25 000")
    add_change(amendment, kind="remove", project=removed)
    add_change(amendment, kind="amount", project=kept, new_cost="120 000", new_grant="45 000")
    db.session.commit()
    before, history = snapshot(contract), history_rows(contract)
    decision = _decide(meeting, "avenant_approuve")
    assert amendment.is_signed and contract.envelope == 600_000
    assert added.is_in_plan and added.status == ProjectStatus.RETENUE and added.grant_requested == 25_000
    assert not removed.is_in_plan and removed.status == ProjectStatus.PROPOSEE
    assert kept.grant_requested == 45_000
    return contract, decision, before, history, [kept, removed, added]


def test_undo_avenant_approved_returns_it_to_preparation_and_the_plan_as_before(app: Flask) -> None:
    meeting = past_meeting(purpose="avenant")
    contract, decision, before, history, _ = _approved(meeting)
    assert decision.can_be_undone

    undo_decision(decision)
    db.session.commit()
    added = _assert_undone(
        contract, meeting, before, history, "Signature de l'avenant n° 1 du 10/11/2026 annulée"
    )
    assert "enveloppe ramenée à 500 000,00" in added[-1]["summary"].replace("\u202f", " ")
    # The approval wrote one line per change then the avenant's; the undo, the same in reverse order.
    assert [row["kind"] for row in added] == [
        *("plan", "plan", "amount", "amendment"),
        *("amount", "plan", "plan", "amendment"),
    ]
    # The avenant is a draft again: it can be approved anew.
    again = _decide(meeting, "avenant_approuve")
    assert again.amendment is not None and again.amendment.is_signed


def test_undo_avenant_refused_when_a_sheet_went_on_since(app: Flask) -> None:
    meeting = past_meeting(purpose="avenant")
    _, decision, _, _, (_, _, added) = _approved(meeting)
    set_status(added, "programmee", on=meeting.on, origin=Origin(today=meeting.on))
    db.session.commit()
    _assert_refused(decision, "la fiche n° 3 « Salle polyvalente » a changé de statut depuis")


def test_undo_avenant_proposed_deletes_the_draft_in_a_line_of_the_meeting(app: Flask) -> None:
    meeting = past_meeting(purpose="avenant")
    contract, _, _ = _signed_with_two_projects(meeting)
    db.session.commit()
    before, history = snapshot(contract), history_rows(contract)
    decision = _decide(meeting, "avenant_propose", text="Révision de la voirie")
    assert [a.number for a in contract.amendments] == [1]

    undo_decision(decision)
    db.session.commit()
    added = _assert_undone(contract, meeting, before, history, "Avenant n° 1 abandonné")
    assert [row["kind"] for row in added] == ["amendment", "amendment"]
    assert contract.amendments == []


def test_undo_avenant_refused_once_a_later_avenant_is_open(app: Flask) -> None:
    meeting = past_meeting(purpose="avenant")
    _, decision, _, _, _ = _approved(meeting)
    _decide(meeting, "avenant_propose", text="Deuxième révision")
    _assert_refused(decision, "l'avenant n° 2 a été ouvert depuis")


# --- Réserve accordée -------------------------------------------------------------------------------------


def _granted(
    meeting: Meeting,
) -> tuple[Contract, ProjectSheet, Decision, dict[str, Any], list[dict[str, Any]]]:
    contract = with_contract(meeting, ContractStage.MISE_EN_OEUVRE)
    urgent = new_project(contract, title="Réparation du pont après la crue")
    db.session.commit()
    before, history = snapshot(contract), history_rows(contract)
    decision = _decide(
        meeting, "reserve_accordee", project_id=urgent.id, amount="20 000", text="Crue de novembre"
    )
    assert urgent.reserve_grant is not None and urgent.status == ProjectStatus.RETENUE
    return contract, urgent, decision, before, history


def test_undo_reserve_granted_gives_the_amount_back(app: Flask) -> None:
    meeting = past_meeting()
    contract, urgent, decision, before, history = _granted(meeting)
    assert decision.can_be_undone

    undo_decision(decision)
    db.session.commit()
    added = _assert_undone(contract, meeting, before, history, "le montant revient au fonds de réserve")
    assert [(row["kind"], row["project_id"]) for row in added] == [("reserve", urgent.id)] * 2
    assert urgent.reserve_grant is None and contract.reserve_grants == []
    # The sheet can be funded again, by the same decision taken anew.
    again = _decide(meeting, "reserve_accordee", project_id=urgent.id, amount="15 000", text="Crue")
    assert again.is_active and urgent.reserve_grant is not None


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (
            "programmee",
            "l'aide est engagée : la fiche n° 2 « Réparation du pont après la crue » est « Programmée »",
        ),
        ("aide_attribuee", "est « Aide attribuée » depuis"),
        ("abandonnee", "a changé de statut depuis (elle est « Abandonnée »)"),
    ],
)
def test_undo_reserve_refused_once_the_grant_is_used_or_the_sheet_changed(
    app: Flask, status: str, message: str
) -> None:
    meeting = past_meeting()
    _, urgent, decision, _, _ = _granted(meeting)
    set_status(urgent, status, on=meeting.on, origin=Origin(today=meeting.on))
    db.session.commit()
    _assert_refused(decision, message)
