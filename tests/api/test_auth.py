"""Authentication and roles of the API, and its JSON errors in French."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import select

from concertation.accounts.models import User, UserRole
from concertation.extensions import db
from tests.common.http import bearer

MISSING_TOKEN = {
    "code": 401,
    "status": "Unauthorized",
    "message": "Jeton d'authentification manquant ou invalide.",
}


def test_health_needs_no_token(client: FlaskClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["database"]) == ("ok", "ok")  # the outbox state: tests/api/test_health.py


def test_openapi_document_needs_no_token(client: FlaskClient) -> None:
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_no_token_is_401_json_in_french(client: FlaskClient) -> None:
    response = client.get("/api/v1/communes")
    assert response.status_code == 401
    assert response.get_json() == MISSING_TOKEN
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_wrong_token_is_401(client: FlaskClient, api_token: Callable[..., str]) -> None:
    api_token(UserRole.ADMIN)
    response = client.get("/api/v1/communes", headers=bearer("not-a-real-token"))
    assert response.status_code == 401
    assert response.get_json() == MISSING_TOKEN
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_other_schemes_are_refused(client: FlaskClient, api_token: Callable[..., str]) -> None:
    token = api_token(UserRole.ADMIN)
    response = client.get("/api/v1/communes", headers={"Authorization": f"Basic {token}"})
    assert response.status_code == 401


def test_token_of_a_disabled_account_is_refused(client: FlaskClient, api_token: Callable[..., str]) -> None:
    token = api_token(UserRole.ORGANISATEUR)
    user = db.session.scalars(select(User)).one()
    user.is_enabled = False
    db.session.commit()
    assert client.get("/api/v1/communes", headers=bearer(token)).status_code == 401


def test_tokens_of_one_account_live_side_by_side(client: FlaskClient, make_user: Callable[..., User]) -> None:
    """Several named tokens per account; revoking one leaves the others (tests/accounts/test_tokens.py)."""
    from concertation.accounts.services import issue_api_token

    user = make_user(UserRole.LECTEUR)
    first = issue_api_token(user)
    second = issue_api_token(user)
    db.session.commit()
    assert client.get("/api/v1/cantons", headers=bearer(first)).status_code == 200
    assert client.get("/api/v1/cantons", headers=bearer(second)).status_code == 200


def test_lecteur_reads(client: FlaskClient, api_token: Callable[..., str]) -> None:
    response = client.get("/api/v1/syndicates", headers=bearer(api_token(UserRole.LECTEUR)))
    assert response.status_code == 200
    assert response.get_json() == []


def test_lecteur_cannot_write(client: FlaskClient, lozere: None, api_token: Callable[..., str]) -> None:
    token = api_token(UserRole.LECTEUR)
    body = {"name": "SDEE de la Lozère", "commune_codes": ["48095"]}
    response = client.post("/api/v1/syndicates", json=body, headers=bearer(token))
    assert response.status_code == 403
    payload = response.get_json()
    assert payload["code"] == 403
    assert payload["status"] == "Forbidden"
    assert "administrateur" in payload["message"].lower()
    assert client.get("/api/v1/syndicates", headers=bearer(token)).get_json() == []


def test_the_reference_data_is_the_admins(
    client: FlaskClient, lozere: None, api_token: Callable[..., str]
) -> None:
    """Syndicates decide who is invited: an organisateur reads them, only an admin adds one."""
    token = api_token(UserRole.ORGANISATEUR)
    body = {"name": "SDEE de la Lozère", "commune_codes": ["48095"]}
    assert client.post("/api/v1/syndicates", json=body, headers=bearer(token)).status_code == 403
    assert client.get("/api/v1/syndicates", headers=bearer(token)).status_code == 200


def test_admin_may_write(client: FlaskClient, lozere: None, api_token: Callable[..., str]) -> None:
    body = {"name": "SDEE de la Lozère", "commune_codes": ["48095"]}
    response = client.post("/api/v1/syndicates", json=body, headers=bearer(api_token(UserRole.ADMIN)))
    assert response.status_code == 201


def test_api_ignores_the_session_cookie(client: FlaskClient, login: Callable[..., User]) -> None:
    """A logged-in browser is no API client: without a token the API refuses, whatever the cookie."""
    login(UserRole.ADMIN)
    assert client.get("/api/v1/communes").status_code == 401


def test_unknown_api_address_is_404_json(client: FlaskClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.is_json
    assert response.get_json()["message"] == "Ressource introuvable."


def test_wrong_method_is_405_json(client: FlaskClient, api_token: Callable[..., str]) -> None:
    response = client.delete("/api/v1/communes", headers=bearer(api_token()))
    assert response.status_code == 405
    assert response.get_json()["message"] == "Méthode non autorisée pour cette adresse."
    assert "GET" in response.headers["Allow"]


def test_html_pages_keep_their_html_errors(client: FlaskClient, login: Callable[..., User]) -> None:
    login(UserRole.LECTEUR)
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
