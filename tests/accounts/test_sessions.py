"""Revocable sessions: a logged-out, demoted or disabled account's cookies stop working at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from concertation.accounts import services
from concertation.accounts.models import RememberToken, User, UserRole
from concertation.accounts.sessions import DEFAULT_REMEMBER_COOKIE, digest
from concertation.core.timeutils import now_utc
from concertation.extensions import db
from tests.common.db.accounts import TEST_PASSWORD
from tests.common.http import csrf_token
from tests.common.login import post_login

SESSION = "session"


def _is_login_page(response: TestResponse) -> bool:
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/connexion"


def _cookies(response: TestResponse) -> dict[str, str]:
    found = {}
    for header in response.headers.getlist("Set-Cookie"):
        name, _, rest = header.partition("=")
        found[name] = rest.split(";", 1)[0]
    return found


def _browser(app: Flask, cookies: dict[str, str]) -> FlaskClient:
    """Another browser holding exactly these cookies (a replay)."""
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value, domain="localhost")
    return client


def _logged_in(app: Flask, user: User, remember: bool = True) -> tuple[FlaskClient, dict[str, str]]:
    client = app.test_client()
    response = post_login(client, user.email, TEST_PASSWORD, remember=remember)
    assert response.status_code == 303
    return client, _cookies(response)


def test_replayed_cookies_after_logout_give_the_login_page(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user(UserRole.ORGANISATEUR)
    client, cookies = _logged_in(app, user)
    assert {SESSION, DEFAULT_REMEMBER_COOKIE} <= set(cookies)
    assert client.get("/").status_code == 200
    assert _browser(app, cookies).get("/").status_code == 200  # the replay works before the logout
    client.post("/deconnexion", data={"csrf_token": csrf_token(client, "/")})
    assert _is_login_page(client.get("/"))
    assert _is_login_page(_browser(app, cookies).get("/"))
    assert _is_login_page(_browser(app, {SESSION: cookies[SESSION]}).get("/"))
    assert _is_login_page(_browser(app, {DEFAULT_REMEMBER_COOKIE: cookies[DEFAULT_REMEMBER_COOKIE]}).get("/"))


def test_the_remember_cookie_alone_opens_a_session(app: Flask, make_user: Callable[..., User]) -> None:
    user = make_user(UserRole.LECTEUR)
    _, cookies = _logged_in(app, user)
    browser = _browser(app, {DEFAULT_REMEMBER_COOKIE: cookies[DEFAULT_REMEMBER_COOKIE]})
    assert browser.get("/").status_code == 200
    assert browser.get("/reunions/").status_code == 200  # carried on by the session it was given


def test_remember_tokens_are_random_per_login_hashed_and_expire(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user(UserRole.LECTEUR)
    _, first = _logged_in(app, user)
    _, second = _logged_in(app, user)
    assert first[DEFAULT_REMEMBER_COOKIE] != second[DEFAULT_REMEMBER_COOKIE]
    stored = db.session.scalars(select(RememberToken).where(RememberToken.user_id == user.id)).all()
    assert {row.token_hash for row in stored} == {
        digest(first[DEFAULT_REMEMBER_COOKIE]),
        digest(second[DEFAULT_REMEMBER_COOKIE]),
    }
    for row in stored:
        assert timedelta(days=29, hours=23) < row.expires_at - now_utc() <= timedelta(days=30)
        row.expires_at = now_utc() - timedelta(seconds=1)
    db.session.commit()
    assert _is_login_page(_browser(app, {DEFAULT_REMEMBER_COOKIE: first[DEFAULT_REMEMBER_COOKIE]}).get("/"))


def test_the_remember_cookie_lasts_30_days(app: Flask, make_user: Callable[..., User]) -> None:
    user = make_user(UserRole.LECTEUR)
    response = post_login(app.test_client(), user.email, TEST_PASSWORD, remember=True)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(DEFAULT_REMEMBER_COOKIE))
    assert f"Max-Age={30 * 24 * 3600}" in header
    assert "HttpOnly" in header


def test_logout_ends_the_sessions_of_every_browser(app: Flask, make_user: Callable[..., User]) -> None:
    user = make_user(UserRole.ORGANISATEUR)
    office, _ = _logged_in(app, user, remember=False)
    home, _ = _logged_in(app, user, remember=True)
    office.post("/deconnexion", data={"csrf_token": csrf_token(office, "/")})
    assert _is_login_page(home.get("/"))


@pytest.mark.parametrize(
    "change",
    [
        lambda user: services.set_role(user, UserRole.LECTEUR),
        lambda user: services.set_password(user, "un tout nouveau mot de passe"),
        lambda user: services.set_enabled(user, False),
    ],
    ids=["role", "password", "disabled"],
)
def test_a_change_of_the_account_ends_its_sessions(
    app: Flask, make_user: Callable[..., User], change: Callable[[User], None]
) -> None:
    make_user(UserRole.ADMIN)  # so that the account is never the last admin
    user = make_user(UserRole.ORGANISATEUR)
    client, cookies = _logged_in(app, user)
    change(user)
    db.session.commit()
    assert _is_login_page(client.get("/"))
    assert _is_login_page(_browser(app, cookies).get("/"))


def test_sessions_of_other_accounts_go_on(app: Flask, make_user: Callable[..., User]) -> None:
    kept = make_user(UserRole.LECTEUR)
    ended = make_user(UserRole.LECTEUR)
    client, _ = _logged_in(app, kept)
    other, _ = _logged_in(app, ended)
    other.post("/deconnexion", data={"csrf_token": csrf_token(other, "/")})
    assert client.get("/").status_code == 200
