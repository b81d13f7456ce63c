"""Numbers and sizes written the French way, for every page and message (dates are in core/dates.py)."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal

from concertation.core.dates import LOCALE


def format_number(value: Decimal | int | float, decimals: int | None = None) -> str:
    """A number the French way: 50000 -> "50 000" (narrow no-break space), 93.3 -> "93,3".

    `decimals` fixes the number of decimals ("93,0"); by default as many as the value needs.
    """
    pattern = None if decimals is None else "#,##0" + ("." + "0" * decimals if decimals else "")
    return str(format_decimal(value, format=pattern, locale=LOCALE))


def format_size(size: int) -> str:
    """A file size: 28774 -> "28,1 ko", 3_500_000 -> "3,3 Mo" (1 ko = 1024 octets)."""
    if size >= 1024 * 1024:
        return f"{format_number(Decimal(size) / (1024 * 1024), 1)}\u00a0Mo"
    return f"{format_number(Decimal(size) / 1024, 1)}\u00a0ko"
