"""The reverse operations of the contracts domain: a stage transition, an avenant's signature, a grant of
the reserve fund. Each puts every column back as it was and writes a history line; each refusal names
why in French and writes nothing."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from flask import Flask

from concertation.contracts.amendment_undo import unsign_amendment
from concertation.contracts.amendments import AmendmentInput, create_amendment, sign_amendment
from concertation.contracts.enums import ContractStage
from concertation.contracts.exceptions import ChangeConflict
from concertation.contracts.origin import Origin
from concertation.contracts.reserve import ReserveInput, grant_reserve, revoke_reserve
from concertation.contracts.stages import revert_stage_change
from concertation.extensions import db
from tests.common.db import contracts as h

pytestmark = pytest.mark.usefixtures("lozere")


def test_revert_the_latest_stage_change_only(app: Flask) -> None:
    contract = h.contract_at(ContractStage.NEGOCIATION)
    db.session.commit()
    creation, to_propositions, to_negociation = contract.stage_changes
    before, history = h.snapshot(contract), h.history_rows(contract)
    for change, message in (
        (creation, "La création du contrat ne s'annule pas."),
        (to_propositions, "Le contrat est passé depuis à l'étape « Négociation » (le 03/11/2025)"),
    ):
        with pytest.raises(ChangeConflict, match=re.escape(message)):
            revert_stage_change(contract, change.id)
        assert h.snapshot(contract) == before and h.history_rows(contract) == history

    assert revert_stage_change(contract, to_negociation.id) is ContractStage.PROPOSITIONS
    db.session.commit()
    assert contract.stage == ContractStage.PROPOSITIONS
    assert [c.id for c in contract.stage_changes] == [creation.id, to_propositions.id]
    last = h.history_rows(contract)[-1]
    assert last["kind"] == "stage" and last["meeting_id"] is None
    assert "Retour à l'étape « Propositions d'actions »" in last["summary"]


def test_signature_stage_stays_once_an_avenant_relies_on_it(app: Flask) -> None:
    contract = h.contract_at(ContractStage.SIGNE)
    create_amendment(contract, AmendmentInput(dated_on=date(2026, 2, 1), reason="Révision"))
    db.session.commit()
    before, history = h.snapshot(contract), h.history_rows(contract)
    with pytest.raises(ChangeConflict, match="depuis la signature, l'avenant n° 1 a été ouvert"):
        revert_stage_change(contract, contract.stage_changes[-1].id)
    assert h.snapshot(contract) == before and h.history_rows(contract) == history


def test_revoke_a_reserve_grant_restores_everything(app: Flask) -> None:
    contract = h.contract_at(ContractStage.MISE_EN_OEUVRE)
    urgent = h.new_project(contract, title="Pont emporté")
    db.session.commit()
    before, history = h.snapshot(contract), h.history_rows(contract)
    grant = grant_reserve(
        urgent,
        ReserveInput(
            amount="10 000",
            decided_on=date(2026, 3, 2),
            decision_body="Commission permanente",
            decision_reference="CP 2026-12",
            urgency_reason="Crue",
        ),
        origin=Origin(today=date(2026, 3, 2)),
    )
    db.session.commit()
    revoke_reserve(grant)
    db.session.commit()
    assert h.snapshot(contract) == before
    after = h.history_rows(contract)
    assert after[: len(history)] == history and len(after) == len(history) + 2
    assert "le montant revient au fonds de réserve" in after[-1]["summary"]


def test_unsign_refuses_a_draft_and_a_changed_envelope(app: Flask) -> None:
    contract = h.contract_at(ContractStage.MISE_EN_OEUVRE)
    amendment = create_amendment(
        contract, AmendmentInput(dated_on=date(2026, 2, 1), reason="Crédits", new_envelope="550 000")
    )
    db.session.commit()
    with pytest.raises(ChangeConflict, match="l'avenant n° 1 n'est pas signé"):
        unsign_amendment(amendment)
    sign_amendment(
        amendment,
        voted_on=date(2026, 2, 3),
        signed_on=date(2026, 2, 5),
        origin=Origin(today=date(2026, 2, 5)),
    )
    # What a later avenant would do to the credits, written directly: undoing must not overwrite it.
    contract.envelope = Decimal("560000.00")
    db.session.commit()
    before, history = h.snapshot(contract), h.history_rows(contract)
    with pytest.raises(ChangeConflict, match="l'enveloppe a changé depuis"):
        unsign_amendment(amendment)
    assert h.snapshot(contract) == before and h.history_rows(contract) == history
