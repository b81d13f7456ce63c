"""Numbers and sizes written the French way (core/numbers.py)."""

from __future__ import annotations

from decimal import Decimal

from concertation.core.numbers import format_number, format_size

NBSP, NNBSP = "\u00a0", "\u202f"


def test_format_helpers() -> None:
    assert format_number(50_000) == f"50{NNBSP}000"
    assert format_number(Decimal("93.3"), 1) == "93,3"
    assert format_number(Decimal("100"), 1) == "100,0"
    assert format_size(28_774) == f"28,1{NBSP}ko"
    assert format_size(10 * 1024 * 1024) == f"10,0{NBSP}Mo"


def test_format_number_keeps_the_decimals_the_value_needs_unless_told() -> None:
    assert format_number(Decimal("1234567.891")) == f"1{NNBSP}234{NNBSP}567,891"
    assert format_number(-1500) == f"-1{NNBSP}500"
    assert format_number(Decimal("2.5"), 2) == "2,50"
    assert format_number(Decimal("2.5"), 0) == "2"
    assert format_number(5, 0) == "5"


def test_format_size_switches_to_mo_at_one_mebibyte() -> None:
    assert format_size(0) == f"0,0{NBSP}ko"
    assert format_size(1023) == f"1,0{NBSP}ko"
    assert format_size(1024 * 1024) == f"1,0{NBSP}Mo"
    assert format_size(3_500_000) == f"3,3{NBSP}Mo"
