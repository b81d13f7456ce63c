"""Support of the fuzz tests: deterministic Hypothesis settings, French messages, row counts."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any

from hypothesis import HealthCheck, settings
from sqlalchemy import func, select

from concertation.extensions import db

# Deterministic (same examples on every run and in CI), no per-example deadline (the database answers
# at its own pace), no example database written into the work tree; the fixtures are function-scoped
# on purpose: every example starts from the state the test built, which the test restores itself.
# FUZZ_MAX_EXAMPLES=500 explores further, on a developer's machine.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_MAX_EXAMPLES", "40")),
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=False,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)

# English words that a French message never contains as whole words (French has "invalide", "valeur"...).
_ENGLISH = re.compile(
    r"\b(the|not|must|field|fields|invalid|value|missing|unknown|required|should|is|are|be|"
    r"please|token|shorter|longer|greater|less|than|length|choice|choose)\b",
    re.IGNORECASE,
)


def english_words(text: str, ignore: Iterable[str] = ()) -> set[str]:
    """The English words of a message meant to be French (empty for a French message).

    What the user sent may be quoted in the message: « quoted » parts and the `ignore` strings do not count.
    """
    text = re.sub(r"«[^»]*»", " ", text)
    for sent in sorted((str(value) for value in ignore if str(value)), key=len, reverse=True):
        text = text.replace(sent, " ")
    return {match.lower() for match in _ENGLISH.findall(text)}


def leaves(tree: Any) -> Iterable[str]:
    """Every message of a nested error structure (dicts and lists of strings)."""
    if isinstance(tree, str):
        yield tree
    elif isinstance(tree, dict):
        for value in tree.values():
            yield from leaves(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from leaves(value)


def table_counts() -> dict[str, int]:
    """The number of rows of every table, as the current transaction sees them (its own writes too)."""
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table)) or 0
        for table in db.metadata.sorted_tables
    }


def committed_counts() -> dict[str, int]:
    """The number of rows of every table, as committed (what the next request would see)."""
    db.session.rollback()
    return table_counts()
