"""Changes that the minutes domain applies for a meeting's decisions, and reverts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import select

from concertation.contracts.changes import (
    ProjectChange,
    revert_change,
    set_amounts,
    set_in_plan,
    set_priority,
    set_status,
)
from concertation.contracts.enums import ContractStage, ProjectStatus
from concertation.contracts.exceptions import ChangeConflict, InvalidInput, NotAllowed, PlanLocked
from concertation.contracts.history import record_event, timeline
from concertation.contracts.models import ContractEvent
from concertation.contracts.origin import Origin
from concertation.extensions import db
from tests.common import db as f
from tests.common.db import contracts as h

pytestmark = pytest.mark.usefixtures("lozere")


def test_each_change_returns_what_it_changed_and_can_be_reverted(app: Flask) -> None:
    contract = h.contract_at(ContractStage.NEGOCIATION)
    project = contract.projects[0]
    meeting = f.meeting()
    decided = Origin(meeting_id=meeting.id)
    changes = [
        set_priority(project, 3, origin=decided),
        set_amounts(project, estimated_cost="110 000,00", grant_requested="33 000,50", origin=decided),
        set_in_plan(project, True, origin=decided),
    ]
    db.session.commit()
    assert [(c.field, c.before, c.after) for c in changes] == [
        ("priority", {"priority": "1"}, {"priority": "3"}),
        (
            "amounts",
            {"estimated_cost": "100000.00", "grant_requested": "30000.00"},
            {"estimated_cost": "110000.00", "grant_requested": "33000.50"},
        ),
        ("plan", {"in_plan": "false", "status": "proposee"}, {"in_plan": "true", "status": "retenue"}),
    ]
    events = {e.id: e for e in db.session.scalars(select(ContractEvent))}
    assert all(events[c.event_id].meeting_id == meeting.id for c in changes if c.event_id)
    # Stored as JSON with a decision, read back later.
    stored = [ProjectChange.from_dict(c.as_dict()) for c in changes]
    assert stored == changes

    for change in reversed(stored):
        undone = revert_change(change, origin=decided)
        assert (undone.before, undone.after) == (change.after, change.before)
    db.session.commit()
    assert (project.priority, project.estimated_cost, project.grant_requested) == (
        1,
        Decimal("100000.00"),
        Decimal("30000.00"),
    )
    assert (project.is_in_plan, project.status) == (False, ProjectStatus.PROPOSEE)
    assert [c.status for c in project.status_changes] == ["proposee", "retenue", "proposee"]


def test_revert_refuses_when_the_value_changed_since() -> None:
    contract = h.contract_at(ContractStage.NEGOCIATION)
    project = contract.projects[0]
    change = set_priority(project, 2)
    set_priority(project, 3)
    with pytest.raises(ChangeConflict, match="a changé depuis : annulation impossible"):
        revert_change(change)


def test_revert_follows_the_same_rules_a_signed_plan_stays_locked() -> None:
    contract = h.contract_at(ContractStage.NEGOCIATION)
    project = contract.projects[0]
    h.prepare(contract, ContractStage.SIGNE)
    change = ProjectChange(
        project.id,
        "plan",
        {"in_plan": "false", "status": "proposee"},
        {"in_plan": "true", "status": "retenue"},
    )
    from concertation.contracts.stages import change_stage

    change_stage(contract, "signe", on=date(2025, 12, 15))
    with pytest.raises(PlanLocked):
        revert_change(change)


def test_plan_and_amounts_are_locked_once_signed() -> None:
    contract = h.contract_at(ContractStage.SIGNE)
    project = contract.projects[0]
    with pytest.raises(PlanLocked, match="ne change que par un avenant"):
        set_in_plan(project, False)
    with pytest.raises(PlanLocked, match="ses montants ne changent que par un avenant"):
        set_amounts(project, grant_requested="1")
    other = h.new_project(contract, title="Aire de jeux", theme="cadre_de_vie")
    with pytest.raises(PlanLocked):
        set_in_plan(other, True)
    # A project outside the plan keeps evolving, and priorities may change.
    set_amounts(other, grant_requested="20 000")
    set_priority(project, 2)


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("programmee", "n'est ni dans le plan d'actions ni financée par le fonds de réserve"),
        ("retenue", "Une fiche devient « Retenue » en entrant dans le plan"),
        ("proposee", "est déjà « Proposée »"),
        ("inconnu", "Statut inconnu : « inconnu »"),
    ],
)
def test_status_rules_outside_the_plan(status: str, message: str) -> None:
    project = h.new_project(h.contract_at(ContractStage.SIGNE))
    with pytest.raises((NotAllowed, InvalidInput), match=message):
        set_status(project, status)


def test_status_history_of_a_plan_project() -> None:
    contract = h.contract_at(ContractStage.MISE_EN_OEUVRE)
    project = contract.projects[0]
    with pytest.raises(NotAllowed, match="est dans le plan d'actions : retirez-la d'abord"):
        set_status(project, "abandonnee")
    set_status(project, "programmee", on=date(2026, 2, 1))
    set_status(project, "dossier_depose", on=date(2026, 3, 1))
    change = set_status(project, "aide_attribuee", on=date(2026, 4, 1))
    assert change.before == {"status": "dossier_depose"}
    assert [(c.status, c.changed_on) for c in project.status_changes][-3:] == [
        ("programmee", date(2026, 2, 1)),
        ("dossier_depose", date(2026, 3, 1)),
        ("aide_attribuee", date(2026, 4, 1)),
    ]


def test_implementation_statuses_wait_for_the_signature() -> None:
    contract = h.contract_at(ContractStage.NEGOCIATION)
    project = contract.projects[0]
    set_in_plan(project, True)
    with pytest.raises(NotAllowed, match="Le contrat n'est pas encore signé"):
        set_status(project, "programmee")


def test_a_non_eligible_project_cannot_enter_the_plan() -> None:
    from concertation.contracts.projects import set_precheck

    contract = h.contract_at(ContractStage.NEGOCIATION)
    project = contract.projects[0]
    set_precheck(project, "non_eligible", "Fonctionnement", on=date(2025, 11, 5))
    with pytest.raises(NotAllowed, match="jugée non éligible"):
        set_in_plan(project, True)


def test_record_event_for_other_domains_and_the_timeline(app: Flask) -> None:
    contract = h.new_contract()
    project = h.new_project(contract)
    meeting = f.meeting()
    event = record_event(
        contract,
        summary="Décision : priorité confirmée.",
        project=project,
        origin=Origin(meeting_id=meeting.id),
        details={"n": 1},
    )
    db.session.commit()
    lines = timeline(contract.id)
    assert lines[0].id == event.id and lines[0].meeting_id == meeting.id and lines[0].details == {"n": 1}
    assert [e.summary for e in lines][-1].startswith(
        "Contrat créé : Contrat territorial CC du Gévaudan 2026-2028"
    )
    assert timeline(contract.id, project_id=project.id)[0].summary == "Décision : priorité confirmée."
    assert len(record_event(contract, summary="x" * 600, origin=Origin()).summary) == 500
