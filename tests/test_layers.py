"""The layers of ARCHITECTURE.md, read from the source: who may import whom.

- nothing under concertation/ imports the scheduler package (the scheduler runs the app's jobs, not the
  reverse), and importing the jobs table, the pages or the commands loads no module of it;
- core and notifications, below every domain, import no domain package at run time (an import under
  `if TYPE_CHECKING:` only names a type for the annotations and loads nothing).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from concertation import PROJECT_DIR

PACKAGE = PROJECT_DIR / "concertation"
DOMAINS = ("accounts", "territory", "people", "contracts", "meetings", "invitations", "minutes", "followup")
LOWER_LAYERS = ("core", "notifications")


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(node: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, imported module) of every import in `node`, at any depth, except under `if TYPE_CHECKING:`."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for orelse in child.orelse:
                yield from _runtime_imports(orelse)
            continue
        if isinstance(child, ast.Import):
            for alias in child.names:
                yield child.lineno, alias.name
        elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
            yield child.lineno, child.module
            for alias in child.names:  # `from concertation import meetings`
                yield child.lineno, f"{child.module}.{alias.name}"
        yield from _runtime_imports(child)


def _all_imports(node: ast.AST) -> Iterator[tuple[int, str]]:
    """Every import in `node`, type-checking ones included."""
    for child in ast.walk(node):
        if isinstance(child, ast.Import):
            for alias in child.names:
                yield child.lineno, alias.name
        elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
            yield child.lineno, child.module


def _modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _is_under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_nothing_under_concertation_imports_the_scheduler() -> None:
    found = [
        f"{path.relative_to(PROJECT_DIR)}:{line} imports {module}"
        for path in _modules(PACKAGE)
        for line, module in _all_imports(_parse(path))
        if _is_under(module, "scheduler")
    ]
    assert not found, "\n".join(found)


def test_the_jobs_pages_and_commands_load_no_scheduler_module() -> None:
    code = (
        "import sys\n"
        "import concertation.followup.jobs, concertation.followup.routes, concertation.followup.cli\n"
        "import concertation.api.health\n"
        "from concertation import create_app\n"
        "from config import TestConfig\n"
        "create_app(TestConfig)\n"
        "print(sorted(m for m in sys.modules if m == 'scheduler' or m.startswith('scheduler.')))\n"
    )
    command = [sys.executable, "-c", code]
    result = subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("layer", LOWER_LAYERS)
def test_lower_layers_import_no_domain(layer: str) -> None:
    forbidden = tuple(f"concertation.{domain}" for domain in DOMAINS)
    found = [
        f"{path.relative_to(PROJECT_DIR)}:{line} imports {module}"
        for path in _modules(PACKAGE / layer)
        for line, module in _runtime_imports(_parse(path))
        if any(_is_under(module, package) for package in forbidden)
    ]
    assert not found, "\n".join(found)


def test_the_import_walk_sees_lazy_imports_and_skips_type_checking_ones() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from concertation.meetings.models import Meeting\n"
        "def f():\n"
        "    from concertation.invitations.tokens import make_token\n"
        "    import scheduler.jobs\n"
        "from concertation import minutes\n"
    )
    runtime = {module for _, module in _runtime_imports(ast.parse(source))}
    assert "concertation.invitations.tokens" in runtime and "scheduler.jobs" in runtime
    assert "concertation.minutes" in runtime
    assert "concertation.meetings.models" not in runtime
    assert "concertation.meetings.models" in {module for _, module in _all_imports(ast.parse(source))}
