"""Fault runs against real processes on loopback: the `reliability` marker and the report of each run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from concertation import PROJECT_DIR
from tests.common.processes import Report

ARTIFACTS = PROJECT_DIR / "test-artifacts" / "reliability"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "reliability: fault runs against real processes on loopback (gunicorn, SMTP server, scheduler); "
        "each writes a report under test-artifacts/reliability/",
    )


@pytest.fixture()
def report(request: pytest.FixtureRequest, database_url: str) -> Iterator[Report]:
    database = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    doc = (request.function.__doc__ or request.node.name).strip().splitlines()[0]
    found = Report(doc, database)
    yield found
    call = getattr(request.node, "rep_call", None)
    if call is not None and call.skipped:
        return  # nothing happened: the skip reason is in pytest's summary
    outcome = "réussi" if call is not None and call.passed else "ÉCHEC"
    text = found.render(outcome)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{request.node.name}-{database}.txt").write_text(text, encoding="utf-8")
    print(f"\n{text}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keep each phase's result on the item, so that the report fixture knows how the test ended."""
    result = yield
    setattr(item, f"rep_{result.when}", result)  # type: ignore[attr-defined]
    return result
