"""The fuzz tests need Hypothesis and schemathesis (requirements-dev.txt); without them they are not
collected, and the run's header says so rather than failing the whole suite at import."""

from __future__ import annotations

import importlib.util

MISSING = [name for name in ("hypothesis", "schemathesis") if importlib.util.find_spec(name) is None]
collect_ignore_glob = ["test_*.py"] if MISSING else []


def pytest_report_header() -> str | None:
    return f"tests/fuzz not collected: {', '.join(MISSING)} not installed" if MISSING else None
