"""Security properties of the whole application, checked on every route that exists.

These tests walk `app.url_map`, so a route added later is checked without editing them. A route that must
be reachable without logging in has to be declared below, with the reason; nothing else is exempt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from concertation.accounts.models import User, UserRole
from concertation.extensions import csrf, db
from tests.common.db.accounts import TEST_PASSWORD
from tests.common.http import bearer, csrf_token
from tests.common.routes import PUBLIC_PREFIXES, url_for_rule

# Endpoints anyone may reach, and why.
PUBLIC_ENDPOINTS: dict[str, str] = {
    "static": "the application's CSS and images",
    "bootstrap.static": "Bootstrap-Flask's CSS and JavaScript, served locally",
    "accounts.login": "the login page itself",
    "accounts.logout": "logging out needs no session (it is a POST with a CSRF token)",
    "health.health": "liveness probe of the API (GET /api/v1/health)",
    "api-docs.openapi_json": "the OpenAPI document (GET /api/v1/openapi.json)",
}
# Endpoints where a logged-in lecteur may POST.
LECTEUR_MAY_POST: dict[str, str] = {
    "accounts.login": "logging in",
    "accounts.logout": "logging out",
    "accounts.change_password": "every account changes its own password",
    "accounts.create_token": "every account creates its own API tokens (a lecteur's only read)",
    "accounts.revoke_token": "every account revokes its own API tokens",
}
IGNORED_METHODS = {"HEAD", "OPTIONS"}
API_PREFIX = "/api/"


def is_public(rule: Rule) -> bool:
    return rule.endpoint in PUBLIC_ENDPOINTS or rule.rule.startswith(tuple(PUBLIC_PREFIXES))


def is_api(rule: Rule) -> bool:
    return rule.rule.startswith(API_PREFIX)


def protected_routes(app: Flask) -> Iterator[tuple[Rule, str, str]]:
    """(rule, method, url) for every method of every route that is not declared public."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if is_public(rule):
            continue
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            yield rule, method, url_for_rule(rule)


def send(client: FlaskClient, method: str, url: str, token: str | None = None) -> TestResponse:
    data = {"csrf_token": token} if token is not None else None
    return client.open(url, method=method, data=data)


def redirects_to_login(response: TestResponse) -> bool:
    return response.status_code == 302 and urlsplit(response.headers.get("Location", "")).path == "/connexion"


def test_allowlists_name_real_routes(app: Flask) -> None:
    """A stale entry would silently exempt whatever route takes the name later."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert set(PUBLIC_ENDPOINTS) <= endpoints
    assert set(LECTEUR_MAY_POST) <= endpoints


def unprotected_for_anonymous(client: FlaskClient) -> list[str]:
    """Routes that an anonymous visitor reaches: pages must send to /connexion, the API answer 401."""
    token = csrf_token(client, "/connexion")  # so that a POST is refused by the login check, not by CSRF
    found = []
    for rule, method, url in protected_routes(client.application):
        response = send(client, method, url, None if method == "GET" else token)
        if is_api(rule):
            payload = response.get_json(silent=True) or {}
            refused = response.status_code == 401 and payload.get("message", "").startswith("Jeton")
        else:
            refused = redirects_to_login(response) or response.status_code in (401, 403)
        if not refused:
            found.append(f"{method} {rule.rule} ({rule.endpoint}) -> {response.status_code}")
    return found


def writable_by_lecteur(client: FlaskClient) -> list[str]:
    """Page writes that a logged-in lecteur is not refused (403), with a valid CSRF token."""
    token = csrf_token(client, "/")  # the logout form of every page carries one
    found = []
    for rule, method, url in protected_routes(client.application):
        if method == "GET" or is_api(rule) or rule.endpoint in LECTEUR_MAY_POST:
            continue
        response = send(client, method, url, token)
        if response.status_code != 403:
            found.append(f"{method} {rule.rule} ({rule.endpoint}) -> {response.status_code}")
    return found


def accepted_without_csrf(client: FlaskClient) -> list[str]:
    """Page writes that the logged-in client is not refused (400) when it sends no CSRF token."""
    found = []
    for rule, method, url in protected_routes(client.application):
        if method == "GET" or is_api(rule):
            continue
        response = client.open(url, method=method, data={})
        if response.status_code != 400:
            found.append(f"{method} {rule.rule} ({rule.endpoint}) -> {response.status_code}")
    return found


def test_the_walk_covers_pages_and_api(app: Flask) -> None:
    routes = list(protected_routes(app))
    assert any(is_api(rule) and method == "POST" for rule, method, _ in routes)
    assert any(not is_api(rule) and method == "POST" for rule, method, _ in routes)
    assert any(not is_api(rule) and method == "GET" for rule, method, _ in routes)


def test_every_route_refuses_anonymous_users(client: FlaskClient) -> None:
    found = unprotected_for_anonymous(client)
    assert not found, "Routes reachable without logging in:\n" + "\n".join(found)


def test_api_refuses_a_wrong_token_everywhere(app: Flask, api_token: Callable[..., str]) -> None:
    api_token(UserRole.ADMIN)
    client = app.test_client()
    accepted = [
        f"{method} {rule.rule}"
        for rule, method, url in protected_routes(app)
        if is_api(rule) and client.open(url, method=method, headers=bearer("wrong")).status_code != 401
    ]
    assert not accepted, accepted


def test_lecteur_cannot_post_on_any_page(client: FlaskClient, login: Callable[..., User]) -> None:
    login(UserRole.LECTEUR)
    found = writable_by_lecteur(client)
    assert not found, "Writes not refused to a lecteur:\n" + "\n".join(found)


def test_lecteur_token_cannot_write_through_the_api(app: Flask, api_token: Callable[..., str]) -> None:
    headers = bearer(api_token(UserRole.LECTEUR))
    client = app.test_client()
    allowed = [
        f"{method} {rule.rule}"
        for rule, method, url in protected_routes(app)
        if is_api(rule)
        and method != "GET"
        and client.open(url, method=method, headers=headers, json={}).status_code != 403
    ]
    assert not allowed, allowed


def test_csrf_protection_is_on(app: Flask) -> None:
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    response = app.test_client().post(
        "/connexion", data={"email": "agent@lozere.fr", "password": TEST_PASSWORD}
    )
    assert response.status_code == 400


def test_every_form_post_without_csrf_token_is_rejected(
    client: FlaskClient, login: Callable[..., User]
) -> None:
    login(UserRole.ADMIN)  # the highest role: only the missing token can be the reason for refusing
    found = accepted_without_csrf(client)
    assert not found, "Forms accepted without a CSRF token:\n" + "\n".join(found)


def test_the_checks_catch_a_careless_route(
    app: Flask, client: FlaskClient, login: Callable[..., User]
) -> None:
    """A route with no access check, exempt from CSRF, is reported by each walk."""

    @csrf.exempt
    def careless(item_id: int) -> str:
        return "ouvert"

    app.add_url_rule("/oubli/<int:item_id>", "careless", careless, methods=["GET", "POST"])
    assert unprotected_for_anonymous(client) == [
        "GET /oubli/<int:item_id> (careless) -> 200",
        "POST /oubli/<int:item_id> (careless) -> 200",
    ]
    login(UserRole.LECTEUR)
    assert writable_by_lecteur(client) == ["POST /oubli/<int:item_id> (careless) -> 200"]
    assert accepted_without_csrf(client) == ["POST /oubli/<int:item_id> (careless) -> 200"]


def test_session_cookie_is_httponly_and_samesite_lax(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = make_user(UserRole.LECTEUR)
    token = csrf_token(client, "/connexion")
    response = client.post(
        "/connexion",
        data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token, "remember": "y"},
    )
    assert response.status_code == 303
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    session = cookies[client.application.config["SESSION_COOKIE_NAME"]]
    assert "HttpOnly" in session
    assert "SameSite=Lax" in session
    remember = cookies[client.application.config.get("REMEMBER_ME_COOKIE_NAME", "concertation_memoire")]
    assert "HttpOnly" in remember
    assert "SameSite=Lax" in remember


def test_login_is_throttled(client: FlaskClient, make_user: Callable[..., User]) -> None:
    """Failures slow the source down (429 + Retry-After); tests/accounts/test_throttle.py for the rest."""
    user = make_user(UserRole.ADMIN)
    token = csrf_token(client, "/connexion")
    for _ in range(client.application.config["LOGIN_FREE_FAILURES_PER_ACCOUNT"]):
        response = client.post(
            "/connexion", data={"email": user.email, "password": "mauvais-mot-de-passe", "csrf_token": token}
        )
        assert response.status_code == 401
        assert "Adresse électronique ou mot de passe incorrect." in response.get_data(as_text=True)
    client.post("/connexion", data={"email": user.email, "password": "encore-faux", "csrf_token": token})
    response = client.post(
        "/connexion", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert "Trop de tentatives de connexion" in response.get_data(as_text=True)
    assert redirects_to_login(client.get("/"))


def test_passwords_are_stored_as_argon2_hashes(make_user: Callable[..., User]) -> None:
    user = make_user(UserRole.LECTEUR)
    db.session.refresh(user)
    assert user.password_hash.startswith("$argon2id$")
    assert TEST_PASSWORD not in user.password_hash
    assert PasswordHasher().verify(user.password_hash, TEST_PASSWORD)


@pytest.mark.parametrize(
    ("rule", "url"),
    [
        ("/reunions/<int:meeting_id>/convocations/<path:name>", "/reunions/1/convocations/x"),
        ("/r/<token>", "/r/x"),
        ("/x/<any(a, b):kind>/<uuid:ref>", "/x/a/00000000-0000-4000-8000-000000000001"),
    ],
)
def test_placeholders(rule: str, url: str) -> None:
    assert url_for_rule(Rule(rule, endpoint="e")) == url
