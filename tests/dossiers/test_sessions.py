"""What the dossier carries over from the previous sessions of the contract, and the sector's milestones."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import Flask

from concertation.contracts.enums import ContractStage
from concertation.dossiers.content import NO_CONTRACT, build_dossier
from concertation.dossiers.rendezvous import milestones
from concertation.extensions import db
from concertation.meetings.models import Meeting, MeetingStatus
from concertation.minutes.actions import ActionInput, add_action
from concertation.minutes.decisions import DecisionInput, record_decision, undo_decision
from tests.common import db as f
from tests.common.db.contracts import contract_at, new_project

pytestmark = pytest.mark.usefixtures("lozere")
NOW = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)


def _held(title: str, day: int) -> Meeting:
    return f.meeting("concertation", starts_at=f.paris(2026, 11, day), now=f.paris(2026, 11, 1), title=title)


def test_decisions_in_force_and_open_actions_of_earlier_sessions(app: Flask) -> None:
    contract = contract_at(ContractStage.PROPOSITIONS)
    new_project(contract)
    meeting = f.meeting("concertation", title="Concertation de mars")
    meeting.contract = contract
    earlier = _held("Séance du 10 novembre", 10)
    quiet = _held("Séance sans suite", 12)
    cancelled = _held("Séance annulée", 13)
    for held in (earlier, quiet, cancelled):
        held.contract = contract
    db.session.commit()
    kept = record_decision(
        earlier,
        DecisionInput(
            kind="autre", agenda_item_id=earlier.agenda_items[0].id, text="Visite des sites en janvier."
        ),
    )
    undone = record_decision(
        earlier,
        DecisionInput(kind="autre", agenda_item_id=earlier.agenda_items[0].id, text="Décision reprise."),
    )
    undo_decision(undone)
    add_action(
        earlier, ActionInput(title="Chiffrer la voirie", owner_service="Routes", due_on=date(2027, 1, 15))
    )
    add_action(
        earlier,
        ActionInput(title="Déjà faite", owner_service="Routes", due_on=date(2027, 1, 10), status="faite"),
    )
    cancelled.status = MeetingStatus.ANNULEE
    db.session.commit()

    part = build_dossier(meeting, version=1, now=NOW).concertation
    assert part is not None
    assert [s.title for s in part.sessions] == ["Séance du 10 novembre"]
    [session] = part.sessions
    assert [d.text for d in session.decisions] == [kept.text]
    assert [(a.title, a.owner, a.due_on) for a in session.actions] == [
        ("Chiffrer la voirie", "Routes", date(2027, 1, 15))
    ]
    assert part.stage == "Propositions d'actions" and part.next_stage == "Négociation"
    assert [heading for heading, _ in part.diagnostic] == [
        "Atouts (points forts)",
        "Faiblesses (points faibles)",
        "Dynamiques existantes",
        "Enjeux principaux",
    ]


def test_a_concertation_without_contract_says_so(app: Flask) -> None:
    meeting = f.meeting("concertation")
    db.session.commit()
    dossier = build_dossier(meeting, version=1, now=NOW)
    assert dossier.concertation is None and dossier.notice == NO_CONTRACT
    assert [entry.anchor for entry in dossier.toc] == ["reunion"]


def test_milestones_of_the_coming_year(app: Flask) -> None:
    contract = contract_at(ContractStage.MISE_EN_OEUVRE)  # 2026-2028, signed on 15/12/2025
    db.session.commit()
    found = milestones(contract, date(2026, 12, 1))
    labels = [(m.on, m.label) for m in found]
    assert (date(2026, 12, 15), "1 an de la signature : point annuel") in labels
    # The contract ends on 31/12/2028: not within the year.
    assert not any(label.startswith("Fin du contrat") for _, label in labels)
    ending = milestones(contract, date(2028, 6, 1))
    assert (date(2028, 12, 31), "Fin du contrat : évaluation et contrat suivant") in [
        (m.on, m.label) for m in ending
    ]


def test_an_evaluated_contract_has_no_annual_review_left(app: Flask) -> None:
    contract = contract_at(ContractStage.EVALUE)
    db.session.commit()
    assert not any("de la signature" in m.label for m in milestones(contract, date(2026, 12, 1)))
    assert not any(m.label.startswith("Fin du contrat") for m in milestones(contract, date(2028, 6, 1)))
