"""Avenants: numbered, applied when signed, the plan before and after each; the reserve fund."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from concertation.contracts.amendments import (
    AmendmentInput,
    add_change,
    create_amendment,
    delete_amendment,
    sign_amendment,
)
from concertation.contracts.changes import set_in_plan
from concertation.contracts.enums import ContractStage, ProjectStatus
from concertation.contracts.exceptions import InvalidInput, NotAllowed
from concertation.contracts.models import Amendment, Contract, ContractEvent, ReserveGrant
from concertation.contracts.plan import financial_plan, plan_history
from concertation.contracts.projects import set_precheck
from concertation.contracts.reserve import ReserveInput, grant_reserve
from concertation.contracts.stages import change_stage
from concertation.extensions import db
from tests.common.db import contracts as h

pytestmark = pytest.mark.usefixtures("lozere")

D = Decimal


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def signed_contract() -> Contract:
    """In mise en œuvre; plan: n° 1 (30 000,00) and n° 2 (72 000,50); n° 3 proposed, outside the plan."""
    contract = h.contract_at(ContractStage.NEGOCIATION)
    h.new_project(
        contract,
        title="Station d'épuration",
        theme="eau",
        owner=f"commune:{h.MONTRODAT}",
        estimated_cost="240 000,00",
        grant_requested="72 000,50",
    )
    h.new_project(
        contract,
        title="Maison France Services",
        theme="services",
        owner=f"intercommunality:{h.GEVAUDAN}",
        estimated_cost="180 000,00",
        grant_requested="54 000,00",
    )
    for project in contract.projects:
        set_precheck(project, "conforme", on=date(2025, 11, 20))
    for project in contract.projects[:2]:
        set_in_plan(project, True, on=date(2025, 11, 25))
    h.sign_everyone(contract)
    change_stage(contract, "signe", on=date(2025, 12, 15))
    change_stage(contract, "mise_en_oeuvre", on=date(2026, 1, 5))
    db.session.commit()
    return contract


def test_an_avenant_on_an_unsigned_contract_is_refused_and_nothing_is_written() -> None:
    contract = h.contract_at(ContractStage.NEGOCIATION)
    db.session.commit()
    events = _count(ContractEvent)
    with pytest.raises(NotAllowed) as refused:
        create_amendment(contract, AmendmentInput(dated_on=date(2026, 3, 1), reason="Ajout"))
    assert str(refused.value) == (
        "Un avenant ne concerne qu'un contrat signé ou en mise en œuvre : "
        "ce contrat est à l'étape « Négociation »."
    )
    db.session.rollback()
    assert (_count(Amendment), _count(ContractEvent)) == (0, events)


def test_an_avenant_after_evaluation_is_refused() -> None:
    contract = h.contract_at(ContractStage.EVALUE)
    with pytest.raises(NotAllowed, match="ce contrat est à l'étape « Évalué »"):
        create_amendment(contract, AmendmentInput(dated_on=date(2026, 7, 1), reason="Trop tard"))


def test_avenant_input_is_checked() -> None:
    contract = signed_contract()
    with pytest.raises(InvalidInput) as refused:
        create_amendment(contract, AmendmentInput(dated_on=date(2025, 12, 1), reason=" ", new_envelope="-1"))
    assert refused.value.errors == {
        "dated_on": "Un avenant est postérieur à la signature du contrat (15/12/2025).",
        "reason": "Indiquez l'objet de l'avenant.",
        "new_envelope": "Un montant ne peut pas être négatif.",
    }


def test_plan_before_and_after_each_avenant() -> None:
    contract = signed_contract()
    first, second, third = contract.projects
    one = create_amendment(
        contract, AmendmentInput(dated_on=date(2026, 3, 1), reason="Maison France Services")
    )
    add_change(one, kind="add", project=third, new_grant="50 000,00")
    add_change(one, kind="amount", project=first, new_grant="35 000,25")
    # Nothing applies before the signature.
    assert (third.is_in_plan, first.grant_requested) == (False, D("30000.00"))
    sign_amendment(one, voted_on=date(2026, 3, 5), signed_on=date(2026, 3, 10))
    two = create_amendment(
        contract,
        AmendmentInput(dated_on=date(2026, 8, 1), reason="Abandon de la STEP", new_envelope="600 000"),
    )
    add_change(two, kind="remove", project=second)
    sign_amendment(two, voted_on=date(2026, 8, 20), signed_on=date(2026, 9, 1))
    three = create_amendment(contract, AmendmentInput(dated_on=date(2026, 10, 1), reason="Ajustement"))
    add_change(three, kind="amount", project=third, new_grant="45 000")
    db.session.commit()

    assert [a.number for a in contract.amendments] == [1, 2, 3]
    assert (third.is_in_plan, third.status, third.grant_requested) == (
        True,
        ProjectStatus.RETENUE,
        D("50000.00"),
    )
    assert (second.is_in_plan, second.status) == (False, ProjectStatus.PROPOSEE)
    assert contract.envelope == D("600000.00") and two.old_envelope == D("500000.00")
    assert [(c.kind, c.old_grant) for c in one.changes] == [("add", D("54000.00")), ("amount", D("30000.00"))]

    initial, steps = plan_history(contract)
    assert initial.grants() == {1: D("30000.00"), 2: D("72000.50")}
    assert (initial.total_grant, initial.total_cost, initial.envelope) == (
        D("102000.50"),
        D("340000.00"),
        D("500000.00"),
    )
    assert [(s.amendment.number, s.is_preview) for s in steps] == [(1, False), (2, False), (3, True)]
    assert steps[0].before == initial
    assert steps[0].after.grants() == {1: D("35000.25"), 2: D("72000.50"), 3: D("50000.00")}
    assert steps[0].after.total_grant == D("157000.75")
    assert steps[1].before == steps[0].after
    assert steps[1].after.grants() == {1: D("35000.25"), 3: D("50000.00")}
    assert (steps[1].before.envelope, steps[1].after.envelope) == (D("500000.00"), D("600000.00"))
    assert steps[2].before.grants() == steps[1].after.grants()
    assert steps[2].after.grants() == {1: D("35000.25"), 3: D("45000.00")}
    assert steps[2].after.total_grant == D("80000.25")

    delete_amendment(three)
    db.session.commit()
    assert [a.number for a in contract.amendments] == [1, 2]


def test_signing_is_all_or_nothing() -> None:
    contract = signed_contract()
    first, _, third = contract.projects
    amendment = create_amendment(contract, AmendmentInput(dated_on=date(2026, 3, 1), reason="Hausse"))
    add_change(amendment, kind="amount", project=first, new_grant="80 000")
    add_change(amendment, kind="add", project=third, new_grant="54 000")
    contract.envelope = D("200000.00")
    db.session.commit()
    with pytest.raises(InvalidInput) as refused:
        sign_amendment(amendment, voted_on=date(2026, 3, 5), signed_on=date(2026, 3, 4))
    assert refused.value.errors == {
        "signed_on": "La signature ne peut pas précéder le vote.",
        "envelope": "Après l'avenant, les aides du plan (206\u00a0000,50\u00a0€) dépasseraient l'enveloppe "
        "(200\u00a0000,00\u00a0€).",
    }
    db.session.rollback()
    assert (first.grant_requested, third.is_in_plan, amendment.signed_on) == (D("30000.00"), False, None)


def test_changes_are_checked_when_added() -> None:
    contract = signed_contract()
    first, second, third = contract.projects
    amendment = create_amendment(contract, AmendmentInput(dated_on=date(2026, 3, 1), reason="Divers"))
    with pytest.raises(NotAllowed, match="L'avenant n° 1 est en préparation"):
        create_amendment(contract, AmendmentInput(dated_on=date(2026, 3, 1), reason="Autre"))
    with pytest.raises(InvalidInput, match="est déjà dans le plan d'actions"):
        add_change(amendment, kind="add", project=first)
    with pytest.raises(InvalidInput, match="n'est pas dans le plan d'actions"):
        add_change(amendment, kind="remove", project=third)
    with pytest.raises(InvalidInput, match="Indiquez le nouveau montant"):
        add_change(amendment, kind="amount", project=second)
    with pytest.raises(InvalidInput, match="Un montant ne peut pas être négatif"):
        add_change(amendment, kind="amount", project=second, new_grant="-10")
    with pytest.raises(InvalidInput, match="Modification attendue"):
        add_change(amendment, kind="rename", project=second)
    add_change(amendment, kind="remove", project=second)
    with pytest.raises(InvalidInput, match="L'avenant modifie déjà la fiche n° 2"):
        add_change(amendment, kind="amount", project=second, new_grant="1")
    sign_amendment(amendment, voted_on=date(2026, 3, 5), signed_on=date(2026, 3, 6))
    with pytest.raises(NotAllowed, match="L'avenant n° 1 est signé : il ne change plus"):
        add_change(amendment, kind="add", project=third)


def test_reserve_fund_outside_the_plan_with_its_decision() -> None:
    contract = signed_contract()
    urgent = h.new_project(
        contract,
        title="Mur de soutènement effondré",
        owner=f"commune:{h.MONTRODAT}",
        estimated_cost="64 000,00",
        grant_requested="19 200,00",
        planned_year=2026,
    )
    with pytest.raises(InvalidInput) as refused:
        grant_reserve(urgent, ReserveInput(amount="-5", decided_on=None))
    assert refused.value.errors == {
        "amount": "Un montant ne peut pas être négatif.",
        "decided_on": "La date de la décision est obligatoire.",
        "decision_body": "Indiquez l'instance qui a décidé (ex. commission permanente).",
        "decision_reference": "Indiquez la référence de la décision.",
        "urgency_reason": "Expliquez l'urgence qui justifie le fonds de réserve.",
    }
    decision = ReserveInput(
        amount="19 200,40",
        decided_on=date(2026, 2, 12),
        decision_body="Commission permanente",
        decision_reference="CP 26-045",
        urgency_reason="Effondrement après les crues de janvier.",
    )
    with pytest.raises(InvalidInput, match="dans le plan : le fonds de réserve finance hors plan"):
        grant_reserve(contract.projects[0], decision)
    grant = grant_reserve(urgent, decision)
    db.session.commit()
    assert (grant.amount, urgent.status, urgent.is_in_plan) == (D("19200.40"), ProjectStatus.RETENUE, False)
    plan = financial_plan(contract)
    assert plan.reserve_total == D("19200.40")
    assert plan.total.grant == D("102000.50")
    assert [(r.number, r.decision_reference) for r in plan.reserve] == [(4, "CP 26-045")]
    with pytest.raises(InvalidInput, match="a déjà une aide du fonds de réserve"):
        grant_reserve(urgent, decision)


def test_no_reserve_fund_before_signature() -> None:
    contract = h.contract_at(ContractStage.NEGOCIATION)
    with pytest.raises(NotAllowed, match="Le fonds de réserve ne concerne qu'un contrat signé"):
        grant_reserve(contract.projects[0], ReserveInput(amount="10"))
    assert _count(ReserveGrant) == 0
