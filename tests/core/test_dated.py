"""Rows valid between two optional dates (core/dated.py), queried on the real database."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from sqlalchemy import select

from concertation.core.dated import valid_on
from concertation.extensions import db
from concertation.people.models import Mandate, Role
from tests.common import db as f

ON = date(2026, 3, 22)


@pytest.fixture()
def mandates(app: Flask) -> dict[str, Mandate]:
    """One mandate per kind of period, around ON."""
    holder = f.person("Durand")
    periods = {
        "open": (None, None),
        "started_before": (date(2020, 3, 15), None),
        "starts_that_day": (ON, None),
        "starts_after": (date(2026, 3, 23), None),
        "ends_that_day": (None, ON),
        "ended_before": (date(2020, 3, 15), date(2026, 3, 21)),
        "around": (date(2020, 3, 15), date(2026, 12, 31)),
    }
    found = {
        name: f.mandate(holder, Role.PRESIDENT_CONSEIL_DEPARTEMENTAL, None, starts_on=starts, ends_on=ends)
        for name, (starts, ends) in periods.items()
    }
    db.session.commit()
    return found


def _valid(on: date) -> set[int]:
    return set(db.session.scalars(select(Mandate.id).where(valid_on(Mandate, on))))


def test_valid_on_covers_both_bounds_and_open_ends(mandates: dict[str, Mandate]) -> None:
    expected = {"open", "started_before", "starts_that_day", "ends_that_day", "around"}
    assert _valid(ON) == {mandates[name].id for name in expected}


def test_valid_on_the_day_after(mandates: dict[str, Mandate]) -> None:
    expected = {"open", "started_before", "starts_that_day", "starts_after", "around"}
    assert _valid(date(2026, 3, 23)) == {mandates[name].id for name in expected}


def test_valid_on_long_before(mandates: dict[str, Mandate]) -> None:
    assert _valid(date(1990, 1, 1)) == {mandates["open"].id, mandates["ends_that_day"].id}


def test_the_sql_agrees_with_mandate_is_valid_on(mandates: dict[str, Mandate]) -> None:
    for on in (date(1990, 1, 1), date(2026, 3, 21), ON, date(2026, 3, 23), date(2027, 1, 1)):
        assert _valid(on) == {m.id for m in mandates.values() if m.is_valid_on(on)}, on
