"""Login with the Département's directory: a real slapd, its groups deciding the role."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from concertation.accounts.directory import parse_group_roles
from concertation.accounts.models import AuthSource, User, UserRole
from concertation.accounts.services import find_user
from concertation.extensions import db
from tests.common.db.accounts import TEST_PASSWORD
from tests.common.login import post_login
from tests.common.slapd import AGENT_PASSWORD, Slapd

CLAIRE = "claire.martin@lozere.fr"
GENERIC = "Adresse électronique ou mot de passe incorrect."


def _fresh(app: Flask) -> FlaskClient:
    return app.test_client()


def test_first_login_creates_the_account_with_the_groups_role(app: Flask, directory: Slapd) -> None:
    response = post_login(_fresh(app), CLAIRE, AGENT_PASSWORD)
    assert response.status_code == 303
    user = find_user(CLAIRE)
    assert user is not None
    assert (user.role, user.auth_source, user.name) == (
        UserRole.ORGANISATEUR,
        AuthSource.DIRECTORY,
        "Claire Martin",
    )


def test_the_role_follows_the_groups_at_each_login(app: Flask, directory: Slapd) -> None:
    assert post_login(_fresh(app), CLAIRE, AGENT_PASSWORD).status_code == 303
    directory.remove_from_group("claire.martin", "organisateurs")
    assert post_login(_fresh(app), CLAIRE, AGENT_PASSWORD).status_code == 303
    user = find_user(CLAIRE)
    assert user is not None and user.role == UserRole.LECTEUR
    directory.remove_from_group("claire.martin", "lecteurs")
    response = post_login(_fresh(app), CLAIRE, AGENT_PASSWORD)
    assert response.status_code == 401
    assert GENERIC in response.get_data(as_text=True)


def test_admins_group_gives_admin(app: Flask, directory: Slapd) -> None:
    assert post_login(_fresh(app), "julie.blanc@lozere.fr", AGENT_PASSWORD).status_code == 303
    user = find_user("julie.blanc@lozere.fr")
    assert user is not None and user.role == UserRole.ADMIN


@pytest.mark.parametrize(
    ("email", "password"),
    [
        (CLAIRE, "pas-le-bon-mot-de-passe"),
        ("inconnu@lozere.fr", AGENT_PASSWORD),
        ("hors.groupe@lozere.fr", AGENT_PASSWORD),  # in the directory, in no mapped group
        (CLAIRE, ""),
        ("*)(mail=*", AGENT_PASSWORD),  # an LDAP filter injection finds nobody
    ],
)
def test_refusals_say_the_same_thing(app: Flask, directory: Slapd, email: str, password: str) -> None:
    response = post_login(_fresh(app), email, password or "x")
    assert response.status_code in (401, 422)
    if response.status_code == 401:
        assert GENERIC in response.get_data(as_text=True)
    assert find_user(email) is None


def test_an_account_disabled_in_the_service_is_refused(app: Flask, directory: Slapd) -> None:
    post_login(_fresh(app), CLAIRE, AGENT_PASSWORD)
    user = find_user(CLAIRE)
    assert user is not None
    user.is_enabled = False
    db.session.commit()
    assert post_login(_fresh(app), CLAIRE, AGENT_PASSWORD).status_code == 401


def test_local_passwords_stay_for_the_admin_only(
    app: Flask, directory: Slapd, make_user: Callable[..., User]
) -> None:
    admin = make_user(UserRole.ADMIN)
    organiser = make_user(UserRole.ORGANISATEUR)
    assert post_login(_fresh(app), admin.email, TEST_PASSWORD).status_code == 303
    assert post_login(_fresh(app), organiser.email, TEST_PASSWORD).status_code == 401


def test_without_directory_local_passwords_work(app: Flask, make_user: Callable[..., User]) -> None:
    organiser = make_user(UserRole.ORGANISATEUR)
    assert not app.config["LDAP_URL"]
    assert post_login(_fresh(app), organiser.email, TEST_PASSWORD).status_code == 303


def test_an_unreachable_directory_is_said_so(app: Flask, directory: Slapd) -> None:
    from tests.common.smtp import free_port

    app.config["LDAP_URL"] = f"ldap://127.0.0.1:{free_port()}"
    response = post_login(_fresh(app), CLAIRE, AGENT_PASSWORD)
    assert response.status_code == 401
    assert "annuaire du Département ne répond pas" in response.get_data(as_text=True)


def test_group_roles_setting_forms() -> None:
    dn = "cn=admins,ou=groupes,dc=lozere,dc=fr"
    assert parse_group_roles(f"{dn}=admin; Lecteurs=lecteur") == {
        dn: UserRole.ADMIN,
        "lecteurs": UserRole.LECTEUR,
    }
    assert parse_group_roles('{"organisateurs": "organisateur"}') == {"organisateurs": UserRole.ORGANISATEUR}
    with pytest.raises(ValueError, match="rôle inconnu"):
        parse_group_roles("x=chef")
