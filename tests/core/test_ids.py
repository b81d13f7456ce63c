"""Ids read from forms and query strings (core/ids.py): ASCII digits within the databases' INTEGER."""

from __future__ import annotations

import pytest

from concertation.core.ids import LAST_PAGE, MAX_ID, parse_id


@pytest.mark.parametrize(("raw", "expected"), [("0", 0), ("1", 1), ("007", 7), (str(MAX_ID), MAX_ID)])
def test_digits_within_the_integer_range(raw: str, expected: int) -> None:
    assert parse_id(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        " 1",
        "1 ",
        "-1",
        "+1",
        "1.0",
        "1e3",
        "abc",
        "²",  # a digit to str.isdigit(), not to int()
        "١٢",  # Arabic-Indic digits: int() reads them, the form must not
        "１２",  # fullwidth digits
        str(MAX_ID + 1),
        "9" * 40,
    ],
)
def test_anything_else_is_none(raw: str) -> None:
    assert parse_id(raw) is None


def test_bounds_are_postgresql_integer() -> None:
    assert MAX_ID == 2_147_483_647
    assert LAST_PAGE == MAX_ID
