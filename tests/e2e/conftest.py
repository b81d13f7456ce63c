"""Browser tests: the app served by a real HTTP server, driven by Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

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


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Shots:
    """Screenshots of each step, kept as test artefacts."""

    def __init__(self, name: str) -> None:
        self.directory = ARTIFACTS / name
        self.directory.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def take(self, page: object, step: str) -> None:
        self.count += 1
        page.screenshot(path=str(self.directory / f"{self.count:02d}-{step}.png"), full_page=True)  # type: ignore[attr-defined]


@pytest.fixture()
def shots(request: pytest.FixtureRequest) -> Shots:
    return Shots(request.node.name)


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


@pytest.fixture()
def csp() -> CspWatch:
    return CspWatch()
