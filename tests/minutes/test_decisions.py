"""Decisions applied to the contract in the same transaction, traced in its history, undone before
diffusion."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import select

from concertation.contracts.enums import ContractStage, ProjectStatus
from concertation.contracts.history import timeline
from concertation.contracts.models import Amendment, ContractEvent
from concertation.extensions import db
from concertation.minutes.decisions import DecisionInput, decisions_of, record_decision, undo_decision
from concertation.minutes.exceptions import InvalidInput, NotAllowed
from concertation.minutes.models import Decision
from tests.common.db.contracts import new_project, prepare
from tests.common.db.minutes import past_meeting, with_contract

pytestmark = pytest.mark.usefixtures("lozere")


def _item(meeting, index: int = 1) -> int:  # type: ignore[no-untyped-def]
    return meeting.agenda_items[index].id  # type: ignore[no-any-return]


def test_priority_decision_changes_the_project_names_the_meeting_and_undo_reverts(app: Flask) -> None:
    meeting = past_meeting(title="Concertation du Gévaudan – propositions", purpose="propositions")
    contract = with_contract(meeting)
    project = contract.projects[0]
    assert project.priority == 1
    assert contract.intercommunality.siren == "244800470"

    decision = record_decision(
        meeting,
        DecisionInput(
            kind="priorite_projet", agenda_item_id=_item(meeting), project_id=project.id, priority="2"
        ),
    )
    db.session.commit()
    db.session.expire_all()
    assert project.priority == 2
    event = timeline(contract.id)[0]
    assert event.meeting_id == meeting.id and event.id == decision.event_id
    assert "priorité 1 → 2" in event.summary
    assert decision.summary == event.summary

    undo_decision(decision)
    db.session.commit()
    db.session.expire_all()
    assert project.priority == 1
    assert decision.undone_at is not None
    latest = timeline(contract.id)[0]
    assert latest.meeting_id == meeting.id and "priorité 2 → 1" in latest.summary
    assert decisions_of(meeting, active_only=True) == []
    with pytest.raises(NotAllowed):
        undo_decision(decision)


def test_failed_decision_writes_nothing(app: Flask) -> None:
    meeting = past_meeting()
    contract = with_contract(meeting)
    project = contract.projects[0]
    events = len(timeline(contract.id))
    with pytest.raises(InvalidInput) as error:
        record_decision(
            meeting,
            DecisionInput(
                kind="priorite_projet", agenda_item_id=_item(meeting), project_id=project.id, priority="1"
            ),
        )
    assert "priorité 1" in error.value.errors["project_id"]
    with pytest.raises(InvalidInput) as error:
        record_decision(
            meeting, DecisionInput(kind="priorite_projet", agenda_item_id=_item(meeting), priority="7")
        )
    assert set(error.value.errors) == {"project_id"}
    db.session.rollback()
    assert db.session.scalars(select(Decision)).all() == []
    assert len(timeline(contract.id)) == events


def test_typed_decision_needs_a_linked_contract_and_an_agenda_item(app: Flask) -> None:
    meeting = past_meeting()
    with pytest.raises(InvalidInput) as error:
        record_decision(meeting, DecisionInput(kind="projet_ajoute", project_id=1))
    assert set(error.value.errors) == {"agenda_item_id", "contract_id"}
    other = record_decision(
        meeting,
        DecisionInput(kind="autre", agenda_item_id=_item(meeting, 0), text="Prochaine réunion en mars."),
    )
    assert other.contract_id is None and other.summary == "Prochaine réunion en mars."


def test_plan_add_remove_and_amounts_are_reverted_in_reverse(app: Flask) -> None:
    meeting = past_meeting()
    contract = with_contract(meeting, ContractStage.NEGOCIATION)
    project = contract.projects[0]
    added = record_decision(
        meeting, DecisionInput(kind="projet_ajoute", agenda_item_id=_item(meeting), project_id=project.id)
    )
    amounts = record_decision(
        meeting,
        DecisionInput(
            kind="montant_modifie",
            agenda_item_id=_item(meeting),
            project_id=project.id,
            grant_requested="40 000",
        ),
    )
    settled = record_decision(meeting, DecisionInput(kind="plan_arrete", agenda_item_id=_item(meeting)))
    db.session.commit()
    assert project.is_in_plan and project.status == ProjectStatus.RETENUE
    assert project.grant_requested == Decimal("40000.00")
    assert "1 projet(s)" in settled.summary
    # The plan cannot lose its project while the amounts decision still stands on top of it: undo in reverse.
    undo_decision(settled)
    undo_decision(amounts)
    undo_decision(added)
    db.session.commit()
    assert not project.is_in_plan and project.status == ProjectStatus.PROPOSEE
    assert project.grant_requested == Decimal("30000.00")
    linked = db.session.scalars(select(ContractEvent).where(ContractEvent.meeting_id == meeting.id)).all()
    assert len(linked) == 6


def test_undo_refused_when_the_project_changed_since(app: Flask) -> None:
    from concertation.contracts.changes import set_priority

    meeting = past_meeting()
    contract = with_contract(meeting)
    project = contract.projects[0]
    decision = record_decision(
        meeting,
        DecisionInput(
            kind="priorite_projet", agenda_item_id=_item(meeting), project_id=project.id, priority=3
        ),
    )
    set_priority(project, 2)
    with pytest.raises(NotAllowed, match="a changé depuis"):
        undo_decision(decision)


def test_diagnostic_validated_moves_the_stage(app: Flask) -> None:
    meeting = past_meeting()
    contract = with_contract(meeting, ContractStage.DIAGNOSTIC)
    prepare(contract, ContractStage.PROPOSITIONS)
    decision = record_decision(
        meeting, DecisionInput(kind="diagnostic_valide", agenda_item_id=_item(meeting))
    )
    db.session.commit()
    assert contract.stage == ContractStage.PROPOSITIONS
    assert contract.stage_changes[-1].changed_on == meeting.on
    # Undoing it is covered by test_decision_undo.py.
    assert decision.can_be_undone


def test_diagnostic_refused_lists_the_contract_problems(app: Flask) -> None:
    meeting = past_meeting()
    with_contract(meeting, ContractStage.DIAGNOSTIC)
    with pytest.raises(InvalidInput) as error:
        record_decision(meeting, DecisionInput(kind="diagnostic_valide", agenda_item_id=_item(meeting)))
    assert "diagnostic est vide" in error.value.errors["kind"]


def test_amendment_proposed_then_undone_and_approved(app: Flask) -> None:
    meeting = past_meeting(purpose="avenant")
    contract = with_contract(meeting, ContractStage.MISE_EN_OEUVRE)
    proposed = record_decision(
        meeting,
        DecisionInput(
            kind="avenant_propose", agenda_item_id=_item(meeting), text="Ajout de la voirie de Montrodat"
        ),
    )
    assert proposed.amendment is not None and proposed.amendment.number == 1
    undo_decision(proposed)
    db.session.commit()
    assert db.session.scalars(select(Amendment)).all() == []

    again = record_decision(
        meeting,
        DecisionInput(
            kind="avenant_propose",
            agenda_item_id=_item(meeting),
            text="Nouvelle enveloppe",
            new_envelope="600 000",
        ),
    )
    approved = record_decision(meeting, DecisionInput(kind="avenant_approuve", agenda_item_id=_item(meeting)))
    db.session.commit()
    assert again.amendment is not None and again.amendment.is_signed
    assert approved.amendment_id == again.amendment.id
    assert contract.envelope == Decimal("600000.00")
    with pytest.raises(NotAllowed):
        undo_decision(again)


def test_reserve_grant_decision(app: Flask) -> None:
    meeting = past_meeting()
    contract = with_contract(meeting, ContractStage.MISE_EN_OEUVRE)
    urgent = new_project(contract, title="Réparation du pont après la crue", priority=1)
    decision = record_decision(
        meeting,
        DecisionInput(
            kind="reserve_accordee",
            agenda_item_id=_item(meeting),
            project_id=urgent.id,
            amount="20 000",
            text="Crue de novembre",
        ),
    )
    db.session.commit()
    assert urgent.reserve_grant is not None and urgent.reserve_grant.amount == Decimal("20000.00")
    assert "Fonds de réserve" in decision.summary
    assert urgent.reserve_grant.decided_on == meeting.on
