"""Writing an RNE import: the planned changes applied as a handful of bulk statements.

Kept apart from the matching so that a dry run computes the same plan and simply never writes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, String, false, func, insert, literal_column, update

from concertation.extensions import db
from concertation.people.models import Mandate, MandateSource, Person, Role
from concertation.people.rne.tables import MANDATE_TABLE, PERSON, PERSON_TABLE, ROLE_VALUE


@dataclass
class Plan:
    """The writes an import needs; new persons are referred to by negative numbers until inserted."""

    new_persons: list[dict[str, object]] = field(default_factory=list)
    # Rows of the mandates to open, by body column and role (one INSERT each).
    new_mandates: dict[tuple[str | None, Role], list[dict[str, object]]] = field(default_factory=dict)
    updates: list[dict[str, object]] = field(default_factory=list)
    closings: list[dict[str, object]] = field(default_factory=list)
    completed: dict[int, date] = field(default_factory=dict)


def _insert_persons(new_persons: list[dict[str, object]]) -> list[int]:
    """Ids of the new persons, in the order of the list."""
    # One INSERT per batch of rows with RETURNING. The rows come back in no guaranteed order,
    # so they are matched on their values: rows with equal values are interchangeable persons.
    statement = (
        insert(PERSON_TABLE)
        # Constants are written into the SQL (the database clock stamps the rows): every bound
        # parameter costs a conversion per row, a fifth of the insert time on a national file.
        .values(
            created_at=func.now(),
            updated_at=func.now(),
            postal_address=_inline(""),
            notes=_inline(""),
            is_demo=false(),
        )
        .returning(PERSON.id, PERSON.civility, PERSON.first_name, PERSON.last_name, PERSON.birth_on)
    )
    ids: dict[tuple[object, ...], list[int]] = {}
    for id_, *values in db.session.execute(statement, new_persons):
        ids.setdefault(tuple(values), []).append(id_)
    return [ids[(p["civility"], p["first_name"], p["last_name"], p["birth_on"])].pop() for p in new_persons]


def _inline(value: str) -> ColumnElement[str]:
    """One of our constants written in the SQL text, rather than a parameter bound for every row."""
    assert re.fullmatch(r"[a-z_]*", value), value  # enum values and "", never data from a file
    return literal_column(f"'{value}'", String())


def write_plan(plan: Plan) -> None:
    """Bulk statements: multi-row INSERT ... RETURNING for persons, executemany for the rest."""
    person_ids = _insert_persons(plan.new_persons) if plan.new_persons else []
    for (_, role), group in plan.new_mandates.items():
        for values in group:
            person_id = values["person_id"]
            assert isinstance(person_id, int)
            if person_id < 0:
                values["person_id"] = person_ids[-person_id - 1]
        statement = insert(MANDATE_TABLE).values(
            role=_inline(ROLE_VALUE[role]), source=_inline(MandateSource.RNE.value)
        )
        db.session.execute(statement, group)
    if plan.updates:
        db.session.execute(update(Mandate), plan.updates)
    if plan.closings:
        db.session.execute(update(Mandate), plan.closings)
    if plan.completed:
        births = [{"id": person_id, "birth_on": on} for person_id, on in plan.completed.items()]
        db.session.execute(update(Person), births)
    # Bulk statements bypass the identity map: objects loaded before must be read again.
    db.session.expire_all()
