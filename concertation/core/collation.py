"""French name order in SQL, the same on SQLite and PostgreSQL (core.text.sort_key is the Python side).

Neither database sorts French names as a reader does by default: SQLite compares code points
("Saint-Étienne" after "Saint-Germain") and PostgreSQL follows the server's locale. `french_order(column)`
folds accents, ligatures, case, hyphens and apostrophes: on PostgreSQL with TRANSLATE, REPLACE and LOWER,
on SQLite with a function registered on every connection (SQLite has no TRANSLATE, and its LOWER is
ASCII-only). Sorting by it and then by the raw name gives one order everywhere. Numbers compare as text
in SQL: the lists whose names carry numbers are small and sorted in Python with sort_key.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import String, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from concertation.core.text import fold

_ACCENTED = "àâäáãåçéèêëíìîïñóòôöõúùûüýÿ"
_SEPARATORS = "-'’"
# TRANSLATE maps one character to one: the ligatures are replaced apart.
_FROM = _ACCENTED + _ACCENTED.upper() + _SEPARATORS
_TO = "".join(fold(ch) for ch in _ACCENTED) * 2 + " " * len(_SEPARATORS)
_LIGATURES = (("œ", "oe"), ("Œ", "oe"), ("æ", "ae"), ("Æ", "ae"))
_SQLITE_FUNCTION = "concertation_french_fold"


def fold_for_order(value: str | None) -> str | None:
    """What french_order compares: the name folded, ligatures spelled out, separators as spaces."""
    if value is None:
        return None
    for ligature, plain in _LIGATURES:
        value = value.replace(ligature, plain)
    return fold(value.translate(str.maketrans(_SEPARATORS, " " * len(_SEPARATORS))))


class french_order(FunctionElement[str]):  # noqa: N801 - used like the SQL functions of sqlalchemy.func
    """An ORDER BY expression for a name column: french_order(Person.last_name)."""

    type = String()
    inherit_cache = True


@compiles(french_order)
def _compile_sqlite(element: french_order, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{_SQLITE_FUNCTION}({compiler.process(element.clauses, **kw)})"


@compiles(french_order, "postgresql")
def _compile_postgresql(element: french_order, compiler: SQLCompiler, **kw: Any) -> str:
    expression = compiler.process(element.clauses, **kw)
    for ligature, plain in _LIGATURES:
        expression = f"replace({expression}, '{ligature}', '{plain}')"
    source, target = _FROM.replace("'", "''"), _TO
    return f"lower(translate({expression}, '{source}', '{target}'))"


@event.listens_for(Engine, "connect")
def _register_sqlite_function(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function(_SQLITE_FUNCTION, 1, fold_for_order, deterministic=True)
