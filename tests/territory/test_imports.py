"""Territory is the lowest domain: none of its modules imports people (or any domain above it)."""

from __future__ import annotations

import ast

from concertation import PROJECT_DIR

ABOVE = ("people", "contracts", "meetings", "invitations", "minutes", "followup", "api")


def test_territory_imports_no_domain_above_it() -> None:
    found = []
    for path in sorted((PROJECT_DIR / "concertation" / "territory").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            found += [
                f"{path.name}:{node.lineno} imports {name}"
                for name in names
                if any(name == f"concertation.{d}" or name.startswith(f"concertation.{d}.") for d in ABOVE)
            ]
    assert not found, "\n".join(found)
