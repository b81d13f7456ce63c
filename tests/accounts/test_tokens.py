"""API tokens: several per account, named, expiring, last use shown, revocable one by one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient

from concertation.accounts import tokens
from concertation.accounts.models import ApiToken, User, UserRole
from concertation.core.timeutils import now_utc
from concertation.extensions import db
from tests.common.db.accounts import TEST_PASSWORD
from tests.common.http import bearer, csrf_token
from tests.common.login import post_login


def _cli(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=list(args))


def test_named_tokens_expire_after_90_days_by_default(app: Flask, make_user: Callable[..., User]) -> None:
    user = make_user(UserRole.LECTEUR)
    token, secret = tokens.issue(user, "Tableur de suivi")
    db.session.commit()
    assert token.name == "Tableur de suivi"
    assert timedelta(days=89, hours=23) < token.expires_at - now_utc() <= timedelta(days=90)
    assert secret not in token.token_hash
    app.config["API_TOKEN_DAYS"] = 7
    short, _ = tokens.issue(user, "Court")
    assert short.expires_at - now_utc() <= timedelta(days=7)


def test_an_expired_token_is_a_401_in_french(client: FlaskClient, make_user: Callable[..., User]) -> None:
    user = make_user(UserRole.LECTEUR)
    token, secret = tokens.issue(user, "Ancien")
    token.expires_at = now_utc() - timedelta(minutes=1)
    db.session.commit()
    response = client.get("/api/v1/cantons", headers=bearer(secret))
    assert response.status_code == 401
    assert response.get_json()["message"].startswith("Jeton d'authentification expiré")
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_revoking_one_token_leaves_the_others(client: FlaskClient, make_user: Callable[..., User]) -> None:
    user = make_user(UserRole.LECTEUR)
    first, first_secret = tokens.issue(user, "Un")
    _, second_secret = tokens.issue(user, "Deux")
    tokens.revoke(first)
    db.session.commit()
    refused = client.get("/api/v1/cantons", headers=bearer(first_secret))
    assert refused.status_code == 401
    assert refused.get_json()["message"] == "Jeton d'authentification révoqué."
    assert client.get("/api/v1/cantons", headers=bearer(second_secret)).status_code == 200


def test_the_last_use_is_recorded(client: FlaskClient, make_user: Callable[..., User]) -> None:
    user = make_user(UserRole.LECTEUR)
    token, secret = tokens.issue(user, "Script")
    db.session.commit()
    assert token.last_used_at is None
    client.get("/api/v1/cantons", headers=bearer(secret))
    db.session.expire_all()
    used = db.session.get(ApiToken, token.id)
    assert used is not None and used.last_used_at is not None
    assert now_utc() - used.last_used_at < timedelta(minutes=1)


def test_a_disabled_account_s_token_is_refused_at_once(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = make_user(UserRole.ORGANISATEUR)
    _, secret = tokens.issue(user, "Script")
    db.session.commit()
    assert client.get("/api/v1/cantons", headers=bearer(secret)).status_code == 200
    user.is_enabled = False
    db.session.commit()
    response = client.get("/api/v1/cantons", headers=bearer(secret))
    assert response.status_code == 401
    assert "désactivé" in response.get_json()["message"]


def test_my_account_page_creates_shows_and_revokes_tokens(app: Flask, make_user: Callable[..., User]) -> None:
    user = make_user(UserRole.LECTEUR)
    client = app.test_client()
    post_login(client, user.email, TEST_PASSWORD)
    page = client.post(
        "/compte/jetons", data={"name": "Mon tableur", "csrf_token": csrf_token(client, "/compte")}
    )
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Mon tableur" in text and "affiché cette seule fois" in text
    (token,) = tokens.tokens_of(user)
    assert "jamais" in text  # never used yet
    response = client.post(
        f"/compte/jetons/{token.id}/revoquer", data={"csrf_token": csrf_token(client, "/compte")}
    )
    assert response.status_code == 303
    db.session.refresh(token)
    assert token.revoked_at is not None
    assert "révoqué" in client.get("/compte").get_data(as_text=True)


def test_one_cannot_revoke_someone_else_s_token(app: Flask, make_user: Callable[..., User]) -> None:
    owner = make_user(UserRole.LECTEUR)
    token, _ = tokens.issue(owner, "À moi")
    db.session.commit()
    intruder = make_user(UserRole.LECTEUR)
    client = app.test_client()
    post_login(client, intruder.email, TEST_PASSWORD)
    client.post(f"/compte/jetons/{token.id}/revoquer", data={"csrf_token": csrf_token(client, "/compte")})
    db.session.refresh(token)
    assert token.revoked_at is None


def test_the_token_command_prints_a_new_token(app: Flask, make_user: Callable[..., User]) -> None:
    user = make_user(UserRole.LECTEUR)
    result = _cli(app, "users", "token", user.email, "--name", "Import nocturne", "--days", "30")
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    assert app.test_client().get("/api/v1/cantons", headers=bearer(secret)).status_code == 200
    listed = _cli(app, "users", "tokens", user.email).output
    assert "Import nocturne" in listed and "valide" in listed
    token_id = listed.split("\t", 1)[0]
    assert _cli(app, "users", "revoke-token", user.email, token_id).exit_code == 0
    assert app.test_client().get("/api/v1/cantons", headers=bearer(secret)).status_code == 401
