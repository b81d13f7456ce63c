"""The tests mirror the package: support code lives in tests/common/, nothing else is imported across tests.

A conftest is loaded by pytest, not meant to be imported, and a test module imported by another one is a
hidden coupling between two files pytest treats as independent: factories and helpers go to tests/common/.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def package_of(path: Path) -> str:
    """The dotted package a test file belongs to (tests.minutes for tests/minutes/test_sheet.py)."""
    return ".".join(path.relative_to(TESTS.parent).parts[:-1])


def imported_test_modules(source: str, package: str) -> list[tuple[int, str]]:
    """What a source placed in `package` imports from the `tests` package, absolute or relative, with the
    line; `from X import name` yields both X and X.name, since the name may be a module."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return [(line, name) for line, name in found if name == "tests" or name.startswith("tests.")]


def allowed(name: str) -> bool:
    """tests.common and what it holds; `tests` itself only as the parent of tests.common."""
    return name in ("tests", "tests.common") or name.startswith("tests.common.")


def test_tests_import_support_code_only_from_tests_common() -> None:
    offenders = [
        f"{path.relative_to(TESTS.parent)}:{line} imports {name}"
        for path in sorted(TESTS.rglob("*.py"))
        if "node_modules" not in path.parts
        for line, name in imported_test_modules(path.read_text(encoding="utf-8"), package_of(path))
        if not allowed(name)
    ]
    assert offenders == [], "support code belongs in tests/common/:\n" + "\n".join(offenders)


def test_the_check_sees_conftest_test_module_and_relative_imports() -> None:
    source = (
        "from tests.conftest import csrf_token\n"
        "import tests.people.test_rne\n"
        "from tests import factories as f\n"
        "from .test_minutes import something\n"
        "from ..e2e import conftest\n"
        "from tests.common import db as f\n"
        "from tests.common.http import bearer\n"
        "from concertation.extensions import db\n"
    )
    imported = imported_test_modules(source, "tests.minutes")
    assert sorted({name for _, name in imported if not allowed(name)}) == [
        "tests.conftest",
        "tests.conftest.csrf_token",
        "tests.e2e",
        "tests.e2e.conftest",
        "tests.factories",
        "tests.minutes.test_minutes",
        "tests.minutes.test_minutes.something",
        "tests.people.test_rne",
    ]
    assert {name for _, name in imported if allowed(name)} == {
        "tests",
        "tests.common",
        "tests.common.db",
        "tests.common.http",
        "tests.common.http.bearer",
    }


def test_package_of_a_test_file() -> None:
    assert package_of(TESTS / "minutes" / "test_sheet.py") == "tests.minutes"
    assert package_of(TESTS / "test_home.py") == "tests"
    assert package_of(TESTS / "common" / "db" / "__init__.py") == "tests.common.db"
