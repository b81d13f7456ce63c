"""The layers of ARCHITECTURE.md, read from the source: who may import whom.

- nothing under concertation/ imports the scheduler package (the scheduler runs the app's jobs, not the
  reverse), and importing the jobs table, the pages or the commands loads no module of it;
- the packages of concertation/ import one way, down LAYERS: extensions, core, then notifications
  and accounts (below every domain), the domains territory ← people ← contracts ← meetings ←
  invitations ← polls ← minutes ← dossiers ← followup, then api. The app-level modules (APP_LEVEL) may
  import anything and only `concertation/__init__.py` imports them. Every import counts: lazy ones inside
  functions and those under `if TYPE_CHECKING:` too (notifications knows the domains through Protocols only);
- no import circle between packages.
ALLOWED lists the known exceptions, each with its reason; an entry that no import matches any more fails.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from concertation import PROJECT_DIR

PACKAGE = PROJECT_DIR / "concertation"
# Bottom to top; a package imports only packages of lower layers (never one beside it in its layer).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("extensions",),
    ("core",),
    ("notifications",),
    # accounts queues its password-reset email through notifications' outbox.
    ("accounts",),
    ("territory",),
    ("people",),
    ("contracts",),
    ("meetings",),
    ("invitations",),
    ("polls",),
    ("minutes",),
    ("dossiers",),
    ("followup",),
    ("api",),
)
# The app itself: the factory, the pages outside any domain, the request guards, the logs. They may
# import anything; only the factory (`concertation/__init__.py`, "__init__" here) imports them.
APP_LEVEL = ("__init__", "main", "home", "demo", "guards", "devserver", "observability", "models")
RANK = {package: rank for rank, layer in enumerate(LAYERS) for package in layer}

# (importing file, imported module): why it is still there. Each one is for the lead of issue 17.
ALLOWED: dict[tuple[str, str], str] = {}


def _package(module: str) -> str | None:
    """The package of concertation/ that `module` belongs to ("__init__" for concertation itself)."""
    parts = module.split(".")
    if parts[0] != "concertation":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def _source_package(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py") if relative.parts else "__init__"


def _all_imports(node: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, imported module) of every import in `node`: at any depth, lazy and type-checking ones included.

    `from concertation import meetings` gives "concertation.meetings" as well as "concertation".
    """
    for child in ast.walk(node):
        if isinstance(child, ast.Import):
            for alias in child.names:
                yield child.lineno, alias.name
        elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
            yield child.lineno, child.module
            if child.module == "concertation":
                for alias in child.names:
                    if (PACKAGE / alias.name).is_dir() or (PACKAGE / f"{alias.name}.py").is_file():
                        yield child.lineno, f"concertation.{alias.name}"


def _package_imports() -> Iterator[tuple[str, int, str, str, str]]:
    """(file, line, module, importing package, imported package) of every import between two packages."""
    for path in _modules(PACKAGE):
        source = _source_package(path)
        name = str(path.relative_to(PROJECT_DIR))
        for line, module in _all_imports(_parse(path)):
            target = _package(module)
            if module == "concertation" or target is None or target == source:
                continue
            yield name, line, module, source, target


def _breaks_the_layers(source: str, target: str) -> bool:
    if source in APP_LEVEL:
        return False
    if target in APP_LEVEL:
        return True
    if source not in RANK or target not in RANK:
        return True  # a package missing from LAYERS: place it there
    return RANK[target] >= RANK[source]


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


def test_every_package_is_placed() -> None:
    placed = set(RANK) | set(APP_LEVEL)
    present = {_source_package(path) for path in _modules(PACKAGE)}
    assert present <= placed, f"place these in LAYERS or APP_LEVEL: {sorted(present - placed)}"


def test_imports_go_down_the_layers() -> None:
    found = [
        f"{name}:{line} imports {module} ({source} → {target})"
        for name, line, module, source, target in _package_imports()
        if _breaks_the_layers(source, target) and (name, module) not in ALLOWED
    ]
    assert not found, "imports against the layers:\n" + "\n".join(found)


def test_no_import_circle_between_packages() -> None:
    graph: dict[str, set[str]] = {}
    for name, _, module, source, target in _package_imports():
        if (name, module) not in ALLOWED:
            graph.setdefault(source, set()).add(target)
    circles = []
    for start in sorted(graph):
        # Depth-first from each package: a path that comes back to it is a circle.
        pending = [(start, (start,))]
        seen: set[str] = set()
        while pending:
            node, path = pending.pop()
            for nxt in sorted(graph.get(node, ())):
                if nxt == start:
                    circles.append(" → ".join((*path, start)))
                elif nxt not in seen:
                    seen.add(nxt)
                    pending.append((nxt, (*path, nxt)))
    assert not circles, "import circles:\n" + "\n".join(sorted(set(circles)))


def test_every_allowed_import_still_exists() -> None:
    present = {(name, module) for name, _, module, _, _ in _package_imports()}
    stale = sorted(set(ALLOWED) - present)
    assert not stale, f"remove these from ALLOWED, the import is gone: {stale}"


def test_the_import_walk_sees_lazy_and_type_checking_imports() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from concertation.meetings.models import Meeting\n"
        "def f():\n"
        "    from concertation.invitations.tokens import make_token\n"
        "    import scheduler.jobs\n"
        "from concertation import minutes\n"
    )
    found = {module for _, module in _all_imports(ast.parse(source))}
    assert {"concertation.meetings.models", "concertation.invitations.tokens", "scheduler.jobs"} <= found
    assert "concertation.minutes" in found


def test_a_wrong_way_import_is_caught() -> None:
    assert _breaks_the_layers("notifications", "invitations")
    assert _breaks_the_layers("notifications", "accounts")
    assert _breaks_the_layers("territory", "people")
    assert _breaks_the_layers("meetings", "guards")
    assert not _breaks_the_layers("invitations", "notifications")
    assert not _breaks_the_layers("api", "followup")
    assert not _breaks_the_layers("__init__", "api")
