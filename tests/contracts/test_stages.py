"""The stage machine: every allowed and every refused transition, and each condition of each step."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from concertation.contracts.amendments import AmendmentInput, create_amendment
from concertation.contracts.changes import set_in_plan
from concertation.contracts.enums import ContractStage, SignatoryKind
from concertation.contracts.exceptions import TransitionRefused
from concertation.contracts.models import StageChange
from concertation.contracts.projects import set_precheck
from concertation.contracts.services import (
    SignatoryInput,
    remove_signatory,
    update_contract,
    update_signatory,
)
from concertation.contracts.stages import NEXT_STAGE, change_stage, transition_problems
from concertation.extensions import db
from tests.common.db import contracts as h

pytestmark = pytest.mark.usefixtures("lozere")

STAGES = list(ContractStage)
ALLOWED = set(NEXT_STAGE.items())
MATRIX = [(current, target) for current in STAGES for target in STAGES]


def _changes() -> int:
    return db.session.scalar(select(func.count()).select_from(StageChange)) or 0


def test_the_machine_is_a_single_line() -> None:
    assert [(a.value, b.value) for a, b in NEXT_STAGE.items()] == [
        ("diagnostic", "propositions"),
        ("propositions", "negociation"),
        ("negociation", "signe"),
        ("signe", "mise_en_oeuvre"),
        ("mise_en_oeuvre", "evalue"),
        ("evalue", "clos"),
    ]
    assert len(MATRIX) == 49 and len(ALLOWED) == 6


@pytest.mark.parametrize(("current", "target"), MATRIX, ids=[f"{a.value}->{b.value}" for a, b in MATRIX])
def test_transition_matrix(current: ContractStage, target: ContractStage) -> None:
    contract = h.contract_at(current)
    db.session.commit()
    before = _changes()
    if (current, target) in ALLOWED:
        h.prepare(contract, target)
        on = h.STAGE_DATES[target]
        change = change_stage(contract, target, on=on)
        db.session.commit()
        assert contract.stage == target
        assert (change.from_stage, change.to_stage, change.changed_on) == (current, target, on)
        assert contract.stage_on(target) == on
        assert _changes() == before + 1
        return
    with pytest.raises(TransitionRefused) as refused:
        change_stage(contract, target, on=date(2026, 8, 1))
    message = str(refused.value)
    assert message.startswith(f"Passage à l'étape « {target.label} » refusé : ")
    if target is current:
        assert "Le contrat est déjà à l'étape" in message
    elif current is ContractStage.CLOS:
        assert "Le contrat est clos : aucune étape ne suit." in message
    elif target.rank < current.rank:
        assert "Un contrat ne revient pas à une étape antérieure" in message
    else:
        assert "Aucune étape ne peut être sautée" in message
        assert f"vient « {NEXT_STAGE[current].label} »" in message
    db.session.rollback()
    assert contract.stage == current
    assert _changes() == before


def test_unknown_stage_is_refused_in_french() -> None:
    contract = h.new_contract()
    with pytest.raises(TransitionRefused, match="Étape inconnue : « signature »"):
        change_stage(contract, "signature")


def test_each_transition_has_its_date_and_the_creation_is_the_first() -> None:
    contract = h.contract_at(ContractStage.CLOS)
    assert [(c.from_stage, c.to_stage, c.changed_on) for c in contract.stage_changes] == [
        (None, ContractStage.DIAGNOSTIC, h.CREATED_ON),
        *((list(ContractStage)[i - 1], stage, h.STAGE_DATES[stage]) for i, stage in enumerate(STAGES) if i),
    ]


def test_dates_cannot_go_back_nor_be_in_the_future() -> None:
    contract = h.contract_at(ContractStage.PROPOSITIONS)
    h.prepare(contract, ContractStage.NEGOCIATION)
    problems = transition_problems(contract, "negociation", date(2025, 9, 15), today=date(2025, 12, 1))
    assert problems == ["La date du passage ne peut pas précéder celle de l'étape en cours (01/10/2025)."]
    problems = transition_problems(contract, "negociation", date(2025, 12, 2), today=date(2025, 12, 1))
    assert problems == ["La date du passage ne peut pas être dans le futur."]


def test_propositions_need_a_diagnostic() -> None:
    contract = h.new_contract()
    with pytest.raises(TransitionRefused, match="Le diagnostic est vide"):
        change_stage(contract, "propositions", on=date(2025, 10, 1))


def test_negotiation_needs_a_project_sheet() -> None:
    contract = h.contract_at(ContractStage.PROPOSITIONS)
    with pytest.raises(TransitionRefused, match="Aucune fiche projet proposée"):
        change_stage(contract, "negociation", on=date(2025, 11, 3))


def test_cannot_sign_without_an_action_plan() -> None:
    contract = h.contract_at(ContractStage.NEGOCIATION)
    h.sign_everyone(contract)
    with pytest.raises(TransitionRefused) as refused:
        change_stage(contract, "signe", on=date(2025, 12, 15))
    assert refused.value.problems == [
        "Pas de plan d'actions : retenez au moins une fiche projet dans le plan."
    ]


def test_signature_lists_every_missing_condition() -> None:
    contract = h.contract_at(ContractStage.NEGOCIATION)
    h.prepare(contract, ContractStage.SIGNE)
    project = contract.projects[0]
    set_in_plan(project, False)
    other = h.new_project(
        contract,
        title="Station d'épuration",
        theme="eau",
        owner=f"commune:{h.MONTRODAT}",
        deliberation_on=None,
    )
    set_in_plan(other, True)
    update_contract(contract, h.ContractInput(envelope="10 000,00"))
    cc = h.signatory(contract, SignatoryKind.INTERCOMMUNALITY)
    update_signatory(cc, SignatoryInput(deliberation_on=date(2025, 12, 1), signed_on=date(2025, 12, 20)))
    departement = h.signatory(contract, SignatoryKind.DEPARTEMENT)
    update_signatory(departement, SignatoryInput())
    with pytest.raises(TransitionRefused) as refused:
        change_stage(contract, "signe", on=date(2025, 12, 15))
    assert refused.value.problems == [
        "Fiche n° 2 « Station d'épuration » : pré-instruction non conforme (non pré-instruite).",
        "Fiche n° 2 « Station d'épuration » : délibération du maître d'ouvrage manquante.",
        "Les aides du plan (30\u00a0000,00\u00a0€) dépassent l'enveloppe (10\u00a0000,00\u00a0€).",
        "Montrodat porte un projet du plan mais n'est pas signataire du contrat.",
        "Département de la Lozère : délibération approuvant le contrat manquante.",
        "Département de la Lozère : signature manquante.",
        "CC du Gévaudan a signé le 20/12/2025, après la date de signature indiquée (15/12/2025).",
    ]
    assert contract.stage == ContractStage.NEGOCIATION


def test_signature_needs_a_conforme_precheck_and_an_envelope() -> None:
    contract = h.contract_at(ContractStage.NEGOCIATION)
    h.prepare(contract, ContractStage.SIGNE)
    set_precheck(contract.projects[0], "a_completer", "Plan de financement à préciser", on=date(2025, 11, 30))
    update_contract(contract, h.ContractInput(envelope="0"))
    problems = transition_problems(contract, "signe", date(2025, 12, 15))
    assert problems == [
        "Fiche n° 1 « Réfection de la voirie communale » : pré-instruction non conforme (à compléter).",
        "Les crédits affectés au contrat (enveloppe) ne sont pas renseignés.",
    ]


def test_the_departement_and_the_cc_always_sign() -> None:
    contract = h.new_contract()
    with pytest.raises(Exception, match="Le Département et la communauté de communes signent toujours"):
        remove_signatory(h.signatory(contract, SignatoryKind.DEPARTEMENT))


def test_implementation_starts_with_the_contract() -> None:
    contract = h.contract_at(ContractStage.SIGNE)
    with pytest.raises(
        TransitionRefused, match="La mise en œuvre commence au début du contrat, le 01/01/2026"
    ):
        change_stage(contract, "mise_en_oeuvre", on=date(2025, 12, 20))


def test_evaluation_needs_its_text_and_no_draft_amendment() -> None:
    contract = h.contract_at(ContractStage.MISE_EN_OEUVRE)
    create_amendment(contract, AmendmentInput(dated_on=date(2026, 3, 1), reason="Ajout d'un projet"))
    with pytest.raises(TransitionRefused) as refused:
        change_stage(contract, "evalue", on=date(2026, 6, 1))
    assert refused.value.problems == [
        "Rédigez l'évaluation du contrat avant de le déclarer évalué.",
        "L'avenant n° 1 n'est pas signé : signez-le ou supprimez-le d'abord.",
    ]
