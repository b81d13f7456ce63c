"""An agent of the Département in a real browser: login through the directory (a real slapd), the role
following the groups, and a disabling that shuts every door at once (other browser, API token)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable

import pytest
from flask import Flask

from concertation.accounts.models import User, UserRole
from tests.common.browser import Shots
from tests.common.db.accounts import TEST_PASSWORD
from tests.common.slapd import AGENT_PASSWORD, Slapd

pytestmark = pytest.mark.e2e
CLAIRE = "claire.martin@lozere.fr"
DESK = {"locale": "fr-FR", "viewport": {"width": 1280, "height": 900}}


def _login(page: object, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/connexion")  # type: ignore[attr-defined]
    page.get_by_label("Adresse électronique").fill(email)  # type: ignore[attr-defined]
    page.get_by_label("Mot de passe").fill(password)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Se connecter").click()  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]


def _api_status(base: str, token: str) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"}
    request = urllib.request.Request(f"{base}/api/v1/cantons", headers=headers)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read().decode())["message"]


def test_directory_agent_role_follows_groups_and_disabling_closes_everything(
    app: Flask,
    live_server: str,
    browser: object,
    directory: Slapd,
    make_user: Callable[..., User],
    shots: Shots,
) -> None:
    base = live_server
    admin = make_user(UserRole.ADMIN)

    # First login through the directory: a member of "organisateurs" is an organisateur.
    office = browser.new_context(**DESK)  # type: ignore[attr-defined]
    page = office.new_page()
    _login(page, base, CLAIRE, AGENT_PASSWORD)
    assert page.url == f"{base}/"
    assert "Claire Martin (organisateur)" in page.locator("nav").inner_text()
    assert page.get_by_role("link", name="Suivi").count() == 1
    shots.take(page, "organisatrice")

    # She creates an API token on her account page.
    page.goto(f"{base}/compte")
    page.get_by_label("Nom du jeton").fill("Tableur de suivi")
    page.get_by_role("button", name="Créer un jeton").click()
    token = page.locator("#nouveau-jeton").inner_text().strip()
    assert _api_status(base, token) == (200, "")
    shots.take(page, "jeton")

    # Removed from the group in the directory: a lecteur at the next login (from another browser).
    directory.remove_from_group("claire.martin", "organisateurs")
    home = browser.new_context(**DESK)  # type: ignore[attr-defined]
    other = home.new_page()
    _login(other, base, CLAIRE, AGENT_PASSWORD)
    assert "Claire Martin (lecteur)" in other.locator("nav").inner_text()
    assert other.get_by_role("link", name="Suivi").count() == 0
    assert other.goto(f"{base}/reunions/nouvelle").status == 403  # type: ignore[union-attr]
    shots.take(other, "lectrice")

    # The admin disables the account in the service.
    desk = browser.new_context(**DESK)  # type: ignore[attr-defined]
    admin_page = desk.new_page()
    _login(admin_page, base, admin.email, TEST_PASSWORD)
    admin_page.goto(f"{base}/comptes")
    admin_page.get_by_role("link", name=CLAIRE).click()
    admin_page.get_by_role("button", name="Désactiver le compte").click()
    admin_page.wait_for_load_state()
    assert "désactivé" in admin_page.locator("main").inner_text()
    shots.take(admin_page, "desactivation")

    # Refused at once: the open session of the other browser, the API token, a new login.
    other.goto(f"{base}/reunions")
    assert other.url.startswith(f"{base}/connexion")
    status, message = _api_status(base, token)
    assert status == 401 and message == "Jeton d'authentification refusé : le compte est désactivé."
    _login(other, base, CLAIRE, AGENT_PASSWORD)
    assert "Adresse électronique ou mot de passe incorrect." in other.locator("main").inner_text()
    assert other.url.startswith(f"{base}/connexion")
    shots.take(other, "refusee")

    # The audit page shows it all.
    admin_page.goto(f"{base}/journal")
    journal = admin_page.locator("#journal").inner_text()
    for label in ("Compte créé", "Connexion", "Jeton d'API créé", "Compte modifié", "Connexion refusée"):
        assert label in journal
    for context in (office, home, desk):
        context.close()
