"""Account administration by the admin: pages and `flask users` commands."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from concertation.accounts import services
from concertation.accounts.exceptions import LastAdmin
from concertation.accounts.models import PasswordReset, User, UserRole
from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.notifications.models import OutboxMessage
from tests.common.db.accounts import TEST_PASSWORD
from tests.common.http import csrf_token
from tests.common.login import post_login


def _cli(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=list(args))


def _admin_client(app: Flask, make_user: Callable[..., User]) -> tuple[FlaskClient, User]:
    admin = make_user(UserRole.ADMIN)
    client = app.test_client()
    assert post_login(client, admin.email, TEST_PASSWORD).status_code == 303
    return client, admin


def _post(client: FlaskClient, url: str, user: User, **data: str) -> str:
    token = csrf_token(client, f"/comptes/{user.id}")
    response = client.post(url, data={"csrf_token": token, **data}, follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_admin_disables_enables_and_changes_the_role(app: Flask, make_user: Callable[..., User]) -> None:
    client, _ = _admin_client(app, make_user)
    agent = make_user(UserRole.ORGANISATEUR)
    page = _post(client, f"/comptes/{agent.id}/desactiver", agent)
    assert "désactivé" in page
    db.session.refresh(agent)
    assert not agent.is_enabled
    assert post_login(app.test_client(), agent.email, TEST_PASSWORD).status_code == 401
    _post(client, f"/comptes/{agent.id}/activer", agent)
    _post(client, f"/comptes/{agent.id}/role", agent, role="lecteur")
    db.session.refresh(agent)
    assert agent.is_enabled and agent.role == UserRole.LECTEUR


def test_the_list_shows_the_last_login(app: Flask, make_user: Callable[..., User]) -> None:
    client, admin = _admin_client(app, make_user)
    never = make_user(UserRole.LECTEUR)
    page = client.get("/comptes").get_data(as_text=True)
    assert admin.email in page and never.email in page
    db.session.refresh(admin)
    assert admin.last_login_at is not None
    listed = _cli(app, "users", "list").output
    assert f"{never.email}\tlecteur\tlocal\tactif\tdernière connexion : jamais" in listed


def test_the_last_active_admin_cannot_be_disabled_or_demoted(
    app: Flask, make_user: Callable[..., User]
) -> None:
    client, admin = _admin_client(app, make_user)
    page = _post(client, f"/comptes/{admin.id}/desactiver", admin)
    assert "dernier administrateur actif" in page
    with pytest.raises(LastAdmin):
        services.set_role(admin, UserRole.ORGANISATEUR)
    db.session.rollback()
    result = _cli(app, "users", "disable", admin.email)
    assert result.exit_code != 0 and "dernier administrateur" in result.output
    db.session.refresh(admin)
    assert admin.is_enabled and admin.role == UserRole.ADMIN
    second = make_user(UserRole.ADMIN)
    assert _cli(app, "users", "disable", second.email).exit_code == 0


def test_password_link_goes_through_the_outbox_once_and_for_24_hours(
    app: Flask, make_user: Callable[..., User]
) -> None:
    client, _ = _admin_client(app, make_user)
    agent = make_user(UserRole.ORGANISATEUR)
    _post(client, f"/comptes/{agent.id}/lien-mot-de-passe", agent)
    (message,) = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient_email == agent.email))
    body = message.raw.decode()
    link = re.search(r"/mot-de-passe/([A-Za-z0-9_-]{20,})", body.replace("=\r\n", ""))
    assert link, body
    reset = db.session.scalars(select(PasswordReset)).one()
    assert timedelta(hours=23, minutes=59) < reset.expires_at - now_utc() <= timedelta(hours=24)
    assert link.group(1) not in reset.token_hash
    visitor = app.test_client()
    url = f"/mot-de-passe/{link.group(1)}"
    new_password = "un nouveau mot de passe sûr"
    response = visitor.post(
        url, data={"password": new_password, "confirm": new_password, "csrf_token": csrf_token(visitor, url)}
    )
    assert response.status_code == 303
    assert post_login(app.test_client(), agent.email, new_password).status_code == 303
    assert visitor.get(url).status_code == 410  # one time only


def test_an_expired_password_link_is_refused(app: Flask, make_user: Callable[..., User]) -> None:
    agent = make_user(UserRole.ORGANISATEUR)
    assert _cli(app, "users", "reset-password", agent.email).exit_code == 0
    message = db.session.scalars(select(OutboxMessage)).one()
    link = re.search(r"/mot-de-passe/([A-Za-z0-9_-]{20,})", message.raw.decode().replace("=\r\n", ""))
    assert link
    reset = db.session.scalars(select(PasswordReset)).one()
    reset.expires_at = now_utc() - timedelta(seconds=1)
    db.session.commit()
    assert app.test_client().get(f"/mot-de-passe/{link.group(1)}").status_code == 410


def test_commands_change_role_and_state(app: Flask, make_user: Callable[..., User]) -> None:
    make_user(UserRole.ADMIN)
    agent = make_user(UserRole.LECTEUR)
    assert _cli(app, "users", "role", agent.email, "organisateur").exit_code == 0
    assert _cli(app, "users", "disable", agent.email).exit_code == 0
    db.session.refresh(agent)
    assert (agent.role, agent.is_enabled) == (UserRole.ORGANISATEUR, False)
    assert _cli(app, "users", "enable", agent.email).exit_code == 0
    db.session.refresh(agent)
    assert agent.is_enabled


@pytest.mark.parametrize("role", [UserRole.ORGANISATEUR, UserRole.LECTEUR])
def test_only_admins_reach_the_account_pages(
    app: Flask, make_user: Callable[..., User], role: UserRole
) -> None:
    user = make_user(role)
    client = app.test_client()
    post_login(client, user.email, TEST_PASSWORD)
    for url in ("/comptes", f"/comptes/{user.id}", "/journal", "/journal.csv"):
        assert client.get(url).status_code == 403


def test_organiser_reads_but_does_not_change_the_reference_data(
    app: Flask, lozere: None, make_user: Callable[..., User]
) -> None:
    """Territory, sectors, syndicates and composition rules decide who is invited: the admin's."""
    organiser = make_user(UserRole.ORGANISATEUR)
    client = app.test_client()
    post_login(client, organiser.email, TEST_PASSWORD)
    for url in ("/territoire/secteurs", "/territoire/syndicats", "/reunions/regles"):
        assert client.get(url).status_code == 200, url
    token = csrf_token(client, "/")
    for url in ("/territoire/syndicats/nouveau", "/territoire/secteurs/1/modifier", "/reunions/regles"):
        assert client.post(url, data={"csrf_token": token}).status_code == 403, url
