"""`flask contracts demo`: a contract for each of the 10 Lozère CCs, at different stages."""

from __future__ import annotations

from collections import Counter

import pytest
from flask import Flask
from sqlalchemy import func, select

from concertation.contracts.enums import ContractStage
from concertation.contracts.models import Contract, ReserveGrant
from concertation.contracts.plan import financial_plan, plan_history
from concertation.extensions import db

pytestmark = pytest.mark.usefixtures("lozere")


def _run(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["contracts", "demo"])
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_contracts_cover_the_ten_ccs_and_every_stage(app: Flask) -> None:
    output = _run(app)
    assert output.startswith("Démonstration : 10 contrats territoriaux fictifs")
    contracts = db.session.scalars(select(Contract)).all()
    assert len(contracts) == 10 and all(c.is_demo for c in contracts)
    names = {c.intercommunality.name for c in contracts}
    assert len(names) == 10 and "CC de Millau Grands Causses" not in names
    stages = Counter(ContractStage(c.stage) for c in contracts)
    assert set(stages) == set(ContractStage)
    assert stages[ContractStage.MISE_EN_OEUVRE] == 3

    for contract in contracts:
        plan = financial_plan(contract)
        assert not plan.is_over_envelope
        # Every stage change is dated, in order, and each stage was reached once.
        dates = [change.changed_on for change in contract.stage_changes]
        assert dates == sorted(dates)
        assert [change.to_stage for change in contract.stage_changes] == list(ContractStage)[
            : ContractStage(contract.stage).rank + 1
        ]
        if ContractStage(contract.stage).is_signed:
            assert plan.lines and all(s.signed_on for s in contract.signatories)

    with_avenant = [c for c in contracts if any(a.is_signed for a in c.amendments)]
    assert len(with_avenant) == 2
    for contract in with_avenant:
        initial, steps = plan_history(contract)
        assert steps[0].before == initial and steps[0].after.total_grant > initial.total_grant
    assert any(not a.is_signed for c in contracts for a in c.amendments)
    assert db.session.scalar(select(func.count()).select_from(ReserveGrant)) == 2


def test_demo_runs_only_on_an_empty_table(app: Flask) -> None:
    _run(app)
    assert "aucun contrat de démonstration chargé" in _run(app)
    assert db.session.scalar(select(func.count()).select_from(Contract)) == 10


def test_demo_with_the_demo_elus_and_syndicates(app: Flask) -> None:
    from concertation.demo import load_demo

    load_demo()
    db.session.commit()
    _run(app)
    owners = {p.owner_kind for c in db.session.scalars(select(Contract)) for p in c.projects}
    assert owners == {"commune", "intercommunality", "syndicate"}
