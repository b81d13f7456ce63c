"""/api/v1/syndicates: listing and creating syndicats intercommunaux."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from concertation.accounts.models import UserRole
from concertation.extensions import db
from concertation.territory.models import Syndicate, SyndicateMember
from tests.common.http import bearer

pytestmark = pytest.mark.usefixtures("lozere")

SDEE = {
    "name": "SDEE de la Lozère",
    "siren": "254801003",
    "purpose": "Énergies",
    "commune_codes": ["48095", "48131", "48095"],
    "intercommunality_sirens": ["241200567"],
}


@pytest.fixture()
def headers(api_token: Callable[..., str]) -> dict[str, str]:
    return bearer(api_token(UserRole.ADMIN))  # syndicates decide who is invited: the admin's


def post(client: FlaskClient, headers: dict[str, str], body: Any) -> Any:
    return client.post("/api/v1/syndicates", json=body, headers=headers)


def test_create_then_read(client: FlaskClient, headers: dict[str, str]) -> None:
    response = post(client, headers, SDEE)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created == {
        "id": created["id"],
        "name": "SDEE de la Lozère",
        "siren": "254801003",
        "purpose": "Énergies",
        "member_commune_codes": ["48095", "48131"],
        "member_intercommunality_sirens": ["241200567"],
    }
    assert response.headers["Location"].endswith(f"/api/v1/syndicates/{created['id']}")
    assert client.get(response.headers["Location"], headers=headers).get_json() == created
    assert client.get("/api/v1/syndicates", headers=headers).get_json() == [created]
    assert db.session.scalar(select(func.count(SyndicateMember.id))) == 3


def test_missing_name_and_members_are_422_in_french(client: FlaskClient, headers: dict[str, str]) -> None:
    response = post(client, headers, {"purpose": "x"})
    assert response.status_code == 422
    payload = response.get_json()
    assert payload["code"] == 422
    assert payload["status"] == "Unprocessable Entity"
    assert payload["message"] == "Les données envoyées ne sont pas valides."
    assert payload["errors"]["json"]["name"] == ["Le nom du syndicat est obligatoire."]


def test_field_errors_are_french(client: FlaskClient, headers: dict[str, str]) -> None:
    body = {"name": "  ", "siren": "12", "commune_codes": "48095", "color": "bleu"}
    errors = post(client, headers, body).get_json()["errors"]["json"]
    assert errors == {
        "name": ["Le nom ne peut pas être vide."],
        "siren": ["Un SIREN compte 9 chiffres."],
        "commune_codes": ["Liste attendue."],
        "color": ["Champ inconnu."],
    }


def test_a_member_is_required(client: FlaskClient, headers: dict[str, str]) -> None:
    response = post(client, headers, {"name": "Syndicat sans membre"})
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"]["commune_codes"] == [
        "Indiquez au moins une commune ou une intercommunalité membre."
    ]


def test_unknown_members_are_refused(client: FlaskClient, headers: dict[str, str]) -> None:
    body = {"name": "SIVOM", "commune_codes": ["48095", "48999"], "intercommunality_sirens": ["200000000"]}
    response = post(client, headers, body)
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"] == {
        "commune_codes": ["Communes inconnues : 48999."],
        "intercommunality_sirens": ["Intercommunalités inconnues : 200000000."],
    }
    assert db.session.scalar(select(func.count(Syndicate.id))) == 0


def test_name_and_siren_are_unique(client: FlaskClient, headers: dict[str, str]) -> None:
    assert post(client, headers, SDEE).status_code == 201
    again = {**SDEE, "name": "sdee de la lozère"}
    response = post(client, headers, again)
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]
    assert errors["name"] == ["Un syndicat nommé « sdee de la lozère » existe déjà."]
    assert errors["siren"] == ["Un syndicat de SIREN 254801003 existe déjà."]


def test_invalid_json_is_400_in_french(client: FlaskClient, headers: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/syndicates", data="{not json", content_type="application/json", headers=headers
    )
    assert response.status_code == 400
    assert response.get_json()["message"] == "Requête invalide."
    assert response.get_json()["errors"] == {"json": ["Corps JSON invalide."]}


def test_write_needs_no_csrf_token_but_a_bearer_token(client: FlaskClient, headers: dict[str, str]) -> None:
    """CSRF protection stays on (TestConfig); the API is exempt because it never trusts a cookie."""
    assert client.application.config.get("WTF_CSRF_ENABLED", True)
    assert post(client, {}, SDEE).status_code == 401
    assert post(client, headers, SDEE).status_code == 201


def test_unknown_syndicate_is_404(client: FlaskClient, headers: dict[str, str]) -> None:
    response = client.get("/api/v1/syndicates/999", headers=headers)
    assert response.status_code == 404
    assert response.get_json()["message"] == "Aucun syndicat n'a l'identifiant 999."
