"""Fiches projets: the règlement's rules, bad input refused with French messages and nothing written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from concertation.contracts.enums import ContractStage, OwnerKind, ProjectStatus
from concertation.contracts.exceptions import InvalidInput, NotAllowed, PlanLocked
from concertation.contracts.models import ContractEvent, ProjectFunding, ProjectSheet
from concertation.contracts.origin import Origin
from concertation.contracts.projects import FundingInput, create_project, set_precheck, update_project
from concertation.contracts.scope import territory_owners
from concertation.contracts.settings import ProjectRules, project_rules
from concertation.extensions import db
from tests.common import db as f
from tests.common.db import contracts as h

pytestmark = pytest.mark.usefixtures("lozere")


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _refused(contract: object, **overrides: object) -> dict[str, str]:
    """Try to create a project; assert nothing was written and return the field errors."""
    db.session.commit()
    projects, events, fundings = _count(ProjectSheet), _count(ContractEvent), _count(ProjectFunding)
    with pytest.raises(InvalidInput) as refused:
        create_project(contract, h.project_input(**overrides), origin=Origin(today=date(2025, 11, 1)))  # type: ignore[arg-type]
    db.session.rollback()
    assert (_count(ProjectSheet), _count(ContractEvent), _count(ProjectFunding)) == (
        projects,
        events,
        fundings,
    )
    assert str(refused.value).startswith("Fiche projet non enregistrée : ")
    return refused.value.errors


def test_a_project_with_its_fundings_is_numbered_and_proposed() -> None:
    contract = h.new_contract()
    first = h.new_project(contract)
    second = h.new_project(
        contract,
        title="Maison de santé",
        theme="services",
        owner=f"intercommunality:{h.GEVAUDAN}",
        estimated_cost="1 250 000,50",
        grant_requested="250 000",
        fundings=[FundingInput("État (DETR)", "400 000,25"), FundingInput("Région", "150000.25")],
    )
    db.session.commit()
    assert (first.number, second.number) == (1, 2)
    assert second.owner_kind == OwnerKind.INTERCOMMUNALITY and second.owner_name == "CC du Gévaudan"
    assert second.estimated_cost == Decimal("1250000.50")
    assert [(x.funder, x.amount) for x in second.fundings] == [
        ("État (DETR)", Decimal("400000.25")),
        ("Région", Decimal("150000.25")),
    ]
    assert second.other_funding_total == Decimal("550000.50")
    assert second.status == ProjectStatus.PROPOSEE
    assert [(c.status, c.changed_on) for c in second.status_changes] == [("proposee", date(2025, 11, 1))]


def test_owner_outside_the_territory_is_refused() -> None:
    contract = h.new_contract()
    errors = _refused(contract, owner=f"commune:{h.MENDE}")
    assert errors == {
        "owner": "Mende n'appartient pas au territoire du contrat (CC du Gévaudan au 01/01/2026) : le maître "
        "d'ouvrage doit être une commune, la communauté de communes ou un syndicat de ce territoire."
    }
    assert "n'appartient pas" in _refused(contract, owner=f"intercommunality:{h.COEUR_DE_LOZERE}")["owner"]
    assert _refused(contract, owner="commune:99999")["owner"] == "Commune inconnu(e) : « 99999 »."


def test_a_private_owner_is_refused() -> None:
    contract = h.new_contract()
    assert _refused(contract, owner="association:12")["owner"].startswith(
        "Le maître d'ouvrage doit être une collectivité publique du territoire"
    )


def test_a_syndicate_counts_when_one_of_its_members_is_in_the_territory() -> None:
    contract = h.new_contract()
    colagne = f.syndicate("Syndicat d'AEP de la Colagne", communes=[h.MONTRODAT, h.MENDE])
    through_cc = f.syndicate("SICTOM", epcis=[h.GEVAUDAN])
    elsewhere = f.syndicate("SIVU du Valdonnez", communes=[h.MENDE, "48137"])
    keys = {owner.key for owner in territory_owners(contract)}
    assert f"syndicate:{colagne.id}" in keys and f"syndicate:{through_cc.id}" in keys
    assert f"syndicate:{elsewhere.id}" not in keys
    project = h.new_project(contract, owner=f"syndicate:{colagne.id}", theme="eau")
    assert project.owner_name == "Syndicat d'AEP de la Colagne"
    assert "n'appartient pas" in _refused(contract, owner=f"syndicate:{elsewhere.id}")["owner"]


def test_the_territory_is_the_one_at_the_contract_start() -> None:
    contract = h.new_contract()
    marvejols = f.commune(h.MARVEJOLS)
    for membership in marvejols.memberships:
        membership.ends_on = date(2025, 12, 31)
    db.session.flush()
    assert "n'appartient pas" in _refused(contract, owner=f"commune:{h.MARVEJOLS}")["owner"]


def test_a_theme_outside_the_six_is_refused() -> None:
    errors = _refused(h.new_contract(), theme="culture")
    assert errors["theme"].startswith(
        "Thème hors des six thématiques du règlement : « culture ». Thèmes possibles"
    )
    assert "voirie (Voirie)" in errors["theme"]


def test_only_investment_operations() -> None:
    errors = _refused(h.new_contract(), is_investment=False)
    assert errors == {
        "is_investment": "Seules les opérations d'investissement sont éligibles au contrat territorial "
        "(pas de dépenses de fonctionnement)."
    }


@pytest.mark.parametrize(
    ("cost", "grant", "errors"),
    [
        ("-5 000", "0", {"estimated_cost": "Un montant ne peut pas être négatif."}),
        ("100 000", "-1", {"grant_requested": "Un montant ne peut pas être négatif."}),
        (
            "beaucoup",
            "10",
            {"estimated_cost": "Montant invalide : « beaucoup » n'est pas un nombre (ex. 12 500,50)."},
        ),
        ("", "10", {"estimated_cost": "Montant obligatoire."}),
        ("100 000,123", "10", {"estimated_cost": "Montant au centime près : deux décimales au plus."}),
        ("0", "0", {"estimated_cost": "Le coût estimé HT doit être supérieur à zéro."}),
        ("100 000", "100 000,01", {"grant_requested": "L'aide demandée dépasse le coût estimé HT."}),
        (
            "100 000",
            "80 000,01",
            {"grant_requested": "L'aide demandée dépasse 80 % du coût HT (plafond : 80\u00a0000,00\u00a0€)."},
        ),
    ],
)
def test_bad_amounts(cost: str, grant: str, errors: dict[str, str]) -> None:
    assert _refused(h.new_contract(), estimated_cost=cost, grant_requested=grant) == errors


def test_other_fundings_are_checked() -> None:
    contract = h.new_contract()
    errors = _refused(
        contract,
        fundings=[FundingInput("", "10"), FundingInput("Région", "-3"), FundingInput("Europe", "dix")],
    )
    assert errors == {
        "fundings.1.funder": "Financeur n° 1 : nom obligatoire.",
        "fundings.2.amount": "Un montant ne peut pas être négatif.",
        "fundings.3.amount": "Montant invalide : « dix » n'est pas un nombre (ex. 12 500,50).",
    }
    errors = _refused(contract, fundings=[FundingInput("État", "75 000")])
    assert errors == {"fundings": "L'aide demandée et les autres financements dépassent le coût estimé HT."}


def test_every_error_at_once() -> None:
    errors = _refused(
        h.new_contract(),
        title=" ",
        priority=4,
        planned_year="2031",
        deliberation_on=date(2099, 1, 1),
        theme="",
    )
    assert errors == {
        "title": "Le titre du projet est obligatoire.",
        "theme": "Choisissez l'une des six thématiques du règlement.",
        "priority": "La priorité vaut 1, 2 ou 3.",
        "planned_year": "L'année prévue doit être comprise entre 2026 et 2028 (période du contrat).",
        "deliberation_on": "La date de délibération ne peut pas être dans le futur.",
    }


def test_settings_change_the_ceilings() -> None:
    contract = h.new_contract()
    rules = project_rules(
        {
            "CONTRACT_MAX_GRANT_RATE": "0.5",
            "CONTRACT_MIN_PROJECT_COST": "20000",
            "CONTRACT_MAX_GRANT_AMOUNT": "40000",
        }
    )
    assert rules == ProjectRules(Decimal("0.5"), Decimal("40000"), Decimal("20000"))
    with pytest.raises(InvalidInput) as refused:
        create_project(
            contract, h.project_input(estimated_cost="10 000", grant_requested="1 000"), rules=rules
        )
    assert refused.value.errors == {
        "estimated_cost": "Coût estimé inférieur au minimum éligible (20\u00a0000,00\u00a0€ HT)."
    }
    with pytest.raises(InvalidInput, match="plafond par projet"):
        create_project(
            contract, h.project_input(estimated_cost="100 000", grant_requested="45 000"), rules=rules
        )
    no_ceiling = project_rules({"CONTRACT_MAX_GRANT_RATE": "none"})
    assert no_ceiling.max_grant_rate is None
    project = create_project(
        contract,
        h.project_input(grant_requested="95 000"),
        rules=no_ceiling,
        origin=Origin(today=date(2025, 11, 1)),
    )
    assert project.grant_requested == Decimal("95000.00")


def test_edit_records_what_changed() -> None:
    contract = h.new_contract()
    project = h.new_project(contract)
    changed = update_project(
        project, h.project_input(priority=2, estimated_cost="120 000"), origin=Origin(today=date(2025, 11, 2))
    )
    assert changed == ["coût HT", "priorité"]
    event = db.session.scalars(select(ContractEvent).order_by(ContractEvent.id.desc())).first()
    assert event is not None and event.project_id == project.id
    assert event.details["priorité"] == {"avant": "1", "après": "2"}


def test_signed_plan_projects_keep_owner_theme_and_amounts() -> None:
    contract = h.contract_at(ContractStage.SIGNE)
    project = contract.projects[0]
    with pytest.raises(PlanLocked, match="aide demandée ne changent que par un avenant"):
        update_project(project, h.project_input(grant_requested="35 000"))
    db.session.rollback()
    assert project.grant_requested == Decimal("30000.00")
    assert update_project(project, h.project_input(description="Reprise de 4 km.")) == ["description"]


def test_no_project_change_once_evaluated() -> None:
    contract = h.contract_at(ContractStage.EVALUE)
    with pytest.raises(NotAllowed, match="« Évalué » : ses fiches projets ne changent plus"):
        h.new_project(contract)


def test_precheck_needs_a_reason_unless_conforme() -> None:
    project = h.new_project(h.new_contract())
    with pytest.raises(InvalidInput) as refused:
        set_precheck(project, "non_eligible", " ", on=date(2025, 11, 5))
    assert refused.value.errors == {
        "reason": "Indiquez le motif (pièces à compléter ou raison de la non-éligibilité)."
    }
    with pytest.raises(InvalidInput, match="conforme, a_completer ou non_eligible"):
        set_precheck(project, "ok")
    set_precheck(project, "non_eligible", "Dépense de fonctionnement", on=date(2025, 11, 5))
    assert (project.precheck, project.precheck_reason, project.prechecked_on) == (
        "non_eligible",
        "Dépense de fonctionnement",
        date(2025, 11, 5),
    )
