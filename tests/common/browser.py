"""The browser of the e2e tests: Debian's Chromium, its options, screenshots of each step, the login form."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from concertation.accounts.models import User
from tests.common.db.accounts import TEST_PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
# Without these, Chromium tries to reach Google's services at every start and this machine refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# The browser context of a maire answering on a phone.
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "fr-FR"}


class Shots:
    """Screenshots of each step, kept as test artefacts."""

    def __init__(self, name: str) -> None:
        self.directory = ARTIFACTS / name
        self.directory.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def take(self, page: object, step: str) -> None:
        self.count += 1
        page.screenshot(path=str(self.directory / f"{self.count:02d}-{step}.png"), full_page=True)  # type: ignore[attr-defined]


def login(page: object, base: str, user: User) -> None:
    page.goto(f"{base}/connexion")  # type: ignore[attr-defined]
    page.get_by_label("Adresse électronique").fill(user.email)  # type: ignore[attr-defined]
    page.get_by_label("Mot de passe").fill(TEST_PASSWORD)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Se connecter").click()  # type: ignore[attr-defined]
    page.wait_for_url(f"{base}/")  # type: ignore[attr-defined]


class CspWatch:
    """The Content-Security-Policy violations that Chromium reports in the console of the watched pages."""

    def __init__(self) -> None:
        self.violations: list[str] = []

    def watch(self, page: object) -> object:
        def note(message: object) -> None:
            text = message.text  # type: ignore[attr-defined]
            if "Content Security Policy" in text:
                self.violations.append(f"{page.url}: {text}")  # type: ignore[attr-defined]

        page.on("console", note)  # type: ignore[attr-defined]
        return page
