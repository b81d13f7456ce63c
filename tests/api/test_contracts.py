"""/api/v1/contracts: contracts, project sheets, financial plan and timeline through the JSON API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from concertation.accounts.models import UserRole
from concertation.contracts.demo import load_demo_contracts
from concertation.contracts.enums import ContractStage
from concertation.contracts.models import Contract, ContractEvent, ProjectSheet
from concertation.extensions import db
from tests.common.db import contracts as h
from tests.common.http import bearer, count_queries

pytestmark = pytest.mark.usefixtures("lozere")


@pytest.fixture()
def headers(api_token: Callable[..., str]) -> dict[str, str]:
    return bearer(api_token(UserRole.ORGANISATEUR))


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


PROJECT = {
    "title": "Maison de santé",
    "owner": f"commune:{h.MARVEJOLS}",
    "theme": "services",
    "estimated_cost": "950 000,00",
    "grant_requested": 190000.5,
    "fundings": [{"funder": "État (DETR)", "amount": "285000.25"}],
    "priority": 1,
    "planned_year": 2027,
    "deliberation_on": "2025-10-20",
    "deliberation_reference": "DCM 2025-12",
}


def test_create_then_read(client: FlaskClient, headers: dict[str, str]) -> None:
    body = {"intercommunality": h.GEVAUDAN, "starts_on": "2027-01-01", "envelope": "1 200 000,50"}
    response = client.post("/api/v1/contracts", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["title"] == "Contrat territorial CC du Gévaudan 2027-2029"
    assert (created["starts_on"], created["ends_on"]) == ("2027-01-01", "2029-12-31")
    assert (created["envelope"], created["plan_grant"], created["stage"]) == (
        "1200000.50",
        "0.00",
        "diagnostic",
    )
    assert created["intercommunality"] == {
        "kind": "intercommunality",
        "code": h.GEVAUDAN,
        "name": "CC du Gévaudan",
    }
    assert [s["body"]["name"] for s in created["signatories"]] == [
        "Département de la Lozère",
        "CC du Gévaudan",
    ]
    assert created["next_stage"] == "propositions"
    assert response.headers["Location"].endswith(f"/api/v1/contracts/{created['id']}")
    assert client.get(response.headers["Location"], headers=headers).get_json() == created
    listed = client.get("/api/v1/contracts", headers=headers).get_json()
    assert [c["id"] for c in listed] == [created["id"]]


def test_bad_contract_is_422_in_french_and_writes_nothing(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/contracts",
        json={"intercommunality": "241200567", "starts_on": "2027-01-01"},
        headers=headers,
    )
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"]["intercommunality"][0].startswith(
        "CC de Millau Grands Causses est une intercommunalité d'un autre département"
    )
    response = client.post(
        "/api/v1/contracts", json={"intercommunality": "12", "envelope": "-3", "color": "x"}, headers=headers
    )
    assert response.get_json()["errors"]["json"] == {
        "intercommunality": ["Un SIREN compte 9 chiffres."],
        "starts_on": ["La date de début est obligatoire."],
        "envelope": ["Un montant ne peut pas être négatif."],
        "color": ["Champ inconnu."],
    }
    assert _count(Contract) == 0


def test_unknown_contract_is_404_in_french(client: FlaskClient, headers: dict[str, str]) -> None:
    response = client.get("/api/v1/contracts/999", headers=headers)
    assert response.status_code == 404
    assert response.get_json()["message"] == "Aucun contrat n'a l'identifiant 999."


def test_projects_with_french_amounts(client: FlaskClient, headers: dict[str, str]) -> None:
    contract = h.new_contract(starts_on=date(2026, 1, 1))
    db.session.commit()
    body = {**PROJECT, "planned_year": 2026}
    response = client.post(f"/api/v1/contracts/{contract.id}/projects", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    project = response.get_json()
    assert (project["number"], project["status"], project["is_in_plan"]) == (1, "proposee", False)
    assert (project["estimated_cost"], project["grant_requested"]) == ("950000.00", "190000.50")
    assert project["fundings"] == [{"funder": "État (DETR)", "amount": "285000.25"}]
    assert project["owner"] == {"kind": "commune", "code": h.MARVEJOLS, "name": "Marvejols"}
    listed = client.get(f"/api/v1/contracts/{contract.id}/projects", headers=headers).get_json()
    assert listed == [project]


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"estimated_cost": "-5"}, {"estimated_cost": ["Un montant ne peut pas être négatif."]}),
        (
            {"grant_requested": "dix"},
            {"grant_requested": ["Montant invalide : « dix » n'est pas un nombre (ex. 12 500,50)."]},
        ),
        (
            {"grant_requested": True},
            {"grant_requested": ["Montant attendu : texte (« 12 500,50 ») ou nombre."]},
        ),
        (
            {"fundings": [{"funder": "Région", "amount": -1}]},
            {"fundings": {"0": {"amount": ["Un montant ne peut pas être négatif."]}}},
        ),
        (
            {"owner": f"commune:{h.MENDE}"},
            {
                "owner": [
                    "Mende n'appartient pas au territoire du contrat (CC du Gévaudan au 01/01/2026) : "
                    "le maître d'ouvrage doit être une commune, la communauté de communes ou un syndicat "
                    "de ce territoire."
                ]
            },
        ),
        (
            {"is_investment": False},
            {
                "is_investment": [
                    "Seules les opérations d'investissement sont éligibles au contrat territorial "
                    "(pas de dépenses de fonctionnement)."
                ]
            },
        ),
    ],
)
def test_bad_projects_are_422_and_write_nothing(
    client: FlaskClient, headers: dict[str, str], overrides: dict[str, Any], errors: dict[str, Any]
) -> None:
    contract = h.new_contract()
    db.session.commit()
    events = _count(ContractEvent)
    body = {**PROJECT, "planned_year": 2026, **overrides}
    response = client.post(f"/api/v1/contracts/{contract.id}/projects", json=body, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"] == errors
    assert (_count(ProjectSheet), _count(ContractEvent)) == (0, events)


def test_theme_outside_the_six(client: FlaskClient, headers: dict[str, str]) -> None:
    contract = h.new_contract()
    db.session.commit()
    body = {**PROJECT, "planned_year": 2026, "theme": "culture"}
    errors = client.post(f"/api/v1/contracts/{contract.id}/projects", json=body, headers=headers).get_json()
    assert errors["errors"]["json"]["theme"][0].startswith(
        "Thème hors des six thématiques du règlement : « culture »"
    )


def test_patch_fields_then_stages(client: FlaskClient, headers: dict[str, str]) -> None:
    contract = h.new_contract()
    db.session.commit()
    url = f"/api/v1/contracts/{contract.id}"
    response = client.patch(url, json={"stage": "propositions", "stage_on": "2025-10-01"}, headers=headers)
    assert response.status_code == 409
    payload = response.get_json()
    assert payload["message"].startswith("Passage à l'étape « Propositions d'actions » refusé")
    assert payload["errors"]["json"]["stage"] == [
        "Le diagnostic est vide : renseignez au moins une rubrique (atouts, faiblesses, dynamiques, enjeux)."
    ]
    response = client.patch(
        url,
        json={
            "diagnostic": {"enjeux": "Accueillir"},
            "envelope": "600 000",
            "stage": "propositions",
            "stage_on": "2025-10-01",
        },
        headers=headers,
    )
    assert response.status_code == 200, response.get_json()
    updated = response.get_json()
    assert (updated["stage"], updated["envelope"], updated["diagnostic"]["enjeux"]) == (
        "propositions",
        "600000.00",
        "Accueillir",
    )
    assert updated["stages"][1] == {
        "stage": "propositions",
        "label": "Propositions d'actions",
        "on": "2025-10-01",
    }
    response = client.patch(url, json={"stage": "signe"}, headers=headers)
    assert response.status_code == 409
    assert "Aucune étape ne peut être sautée" in response.get_json()["message"]
    assert client.patch(url, json={}, headers=headers).get_json()["errors"]["json"] == {
        "_schema": ["Aucun champ à modifier."]
    }


def test_patch_is_all_or_nothing(client: FlaskClient, headers: dict[str, str]) -> None:
    contract = h.new_contract()
    db.session.commit()
    response = client.patch(
        f"/api/v1/contracts/{contract.id}",
        json={"title": "Nouveau titre", "stage": "propositions"},
        headers=headers,
    )
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Contract, contract.id).title == "Contrat territorial CC du Gévaudan 2026-2028"  # type: ignore[union-attr]


def test_signed_contract_envelope_is_locked(client: FlaskClient, headers: dict[str, str]) -> None:
    contract = h.contract_at(ContractStage.SIGNE)
    db.session.commit()
    response = client.patch(f"/api/v1/contracts/{contract.id}", json={"envelope": "1"}, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"] == {
        "envelope": ["Le contrat est signé : l'enveloppe ne change que par un avenant."]
    }


def test_plan_totals_are_strings_with_two_decimals(client: FlaskClient, headers: dict[str, str]) -> None:
    contract = h.contract_at(ContractStage.SIGNE)
    db.session.commit()
    plan = client.get(f"/api/v1/contracts/{contract.id}/plan", headers=headers).get_json()
    assert plan["envelope"] == "500000.00" and plan["remaining"] == "470000.00"
    assert plan["total"] == {
        "key": "total",
        "label": "Total du plan",
        "count": 1,
        "cost": "100000.00",
        "grant": "30000.00",
        "other": "0.00",
        "share": "6.0",
    }
    voirie = next(row for row in plan["by_theme"] if row["key"] == "voirie")
    assert (voirie["count"], voirie["grant"], voirie["share"]) == (1, "30000.00", "6.0")
    assert [row["label"] for row in plan["by_priority"]] == ["Priorité 1", "Priorité 2", "Priorité 3"]
    assert [row["label"] for row in plan["by_year"]] == ["2026", "2027", "2028"]
    assert plan["by_owner"][0]["label"] == "Marvejols"
    assert plan["lines"][0]["theme"] == "voirie" and plan["lines"][0]["grant"] == "30000.00"
    assert (plan["reserve_total"], plan["reserve"], plan["amendments"]) == ("0.00", [], [])


def test_timeline(client: FlaskClient, headers: dict[str, str]) -> None:
    contract = h.contract_at(ContractStage.NEGOCIATION)
    db.session.commit()
    events = client.get(f"/api/v1/contracts/{contract.id}/timeline", headers=headers).get_json()
    assert events[0]["summary"] == "Passage à l'étape « Négociation » le 03/11/2025."
    assert events[-1]["summary"].startswith("Contrat créé")
    assert any(e["project_number"] == 1 for e in events)


def test_lecteur_reads_but_cannot_write(client: FlaskClient, api_token: Callable[..., str]) -> None:
    contract = h.new_contract()
    db.session.commit()
    headers = bearer(api_token(UserRole.LECTEUR))
    assert client.get(f"/api/v1/contracts/{contract.id}/plan", headers=headers).status_code == 200
    for method, url in (
        ("POST", "/api/v1/contracts"),
        ("PATCH", f"/api/v1/contracts/{contract.id}"),
        ("POST", f"/api/v1/contracts/{contract.id}/projects"),
    ):
        response = client.open(url, method=method, json={"title": "x"}, headers=headers)
        assert response.status_code == 403, url
        assert response.get_json()["message"] == "Cette opération demande le rôle « Organisateur »."


def test_list_filters_and_no_query_per_contract(client: FlaskClient, headers: dict[str, str]) -> None:
    load_demo_contracts()
    db.session.commit()
    with count_queries() as statements:
        listed = client.get("/api/v1/contracts", headers=headers).get_json()
    assert len(listed) == 10
    assert len(statements) <= 8, statements
    signed = client.get("/api/v1/contracts?stage=mise_en_oeuvre", headers=headers).get_json()
    assert len(signed) == 3 and all(c["stage"] == "mise_en_oeuvre" for c in signed)
    one = client.get(f"/api/v1/contracts?intercommunality={h.GEVAUDAN}", headers=headers).get_json()
    assert [c["intercommunality"]["code"] for c in one] == [h.GEVAUDAN]
    with_avenant = next(c for c in listed if c["stage"] == "mise_en_oeuvre" and c["reserve_total"] != "0.00")
    plan = client.get(f"/api/v1/contracts/{with_avenant['id']}/plan", headers=headers).get_json()
    step = plan["amendments"][0]
    assert step["is_signed"] and len(step["after_projects"]) == len(step["before_projects"]) + 1


def test_endpoints_are_in_the_openapi_document(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/contracts",
        "/api/v1/contracts/{contract_id}",
        "/api/v1/contracts/{contract_id}/projects",
        "/api/v1/contracts/{contract_id}/plan",
        "/api/v1/contracts/{contract_id}/timeline",
    ):
        assert path in paths
    assert set(paths["/api/v1/contracts/{contract_id}"]) >= {"get", "patch"}
