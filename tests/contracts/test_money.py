"""Amounts typed the French way become Decimal; anything else gets a clear French message."""

from __future__ import annotations

from decimal import Decimal

import pytest

from concertation.contracts.money import AmountError, format_euros, parse_amount, percent, plain_amount


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12 500,50", "12500.50"),
        ("12500.5", "12500.50"),
        ("12\u00a0500,50\u00a0€", "12500.50"),
        ("12\u202f500 EUR", "12500.00"),
        ("1.234.567,89", "1234567.89"),
        ("1,234,567.89", "1234567.89"),
        ("0,1", "0.10"),
        (",5", "0.50"),
        ("+7", "7.00"),
        ("  42  ", "42.00"),
        (Decimal("3.1"), "3.10"),
        (12500, "12500.00"),
        (0.1, "0.10"),
        (12500.55, "12500.55"),
        ("999 999 999 999,99", "999999999999.99"),
    ],
)
def test_accepted(typed: str | Decimal | int | float, expected: str) -> None:
    amount = parse_amount(typed)
    assert isinstance(amount, Decimal)
    assert str(amount) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Montant obligatoire."),
        ("   ", "Montant obligatoire."),
        ("-12,50", "Un montant ne peut pas être négatif."),
        (Decimal("-1"), "Un montant ne peut pas être négatif."),
        (-3, "Un montant ne peut pas être négatif."),
        ("douze", "Montant invalide : « douze » n'est pas un nombre (ex. 12 500,50)."),
        ("12,500,50", "Montant invalide : « 12,500,50 » n'est pas un nombre (ex. 12 500,50)."),
        ("1.2.3", "Montant invalide : « 1.2.3 » n'est pas un nombre (ex. 12 500,50)."),
        ("12.34,5.6", "Montant invalide : « 12.34,5.6 » n'est pas un nombre (ex. 12 500,50)."),
        ("1e5", "Montant invalide : « 1e5 » n'est pas un nombre (ex. 12 500,50)."),
        ("NaN", "Montant invalide : « NaN » n'est pas un nombre (ex. 12 500,50)."),
        (float("inf"), "Montant invalide : un nombre fini est attendu."),
        (True, "Montant invalide : un nombre est attendu."),
        (
            "12.500",
            "Montant ambigu : « 12.500 ». Écrivez les milliers avec une espace (12 500) et les centimes "
            "après une virgule (12,50).",
        ),
        ("12,500", "Montant au centime près : deux décimales au plus."),
        ("1.5000", "Montant au centime près : deux décimales au plus."),
        ("1 000 000 000 000", "Montant trop élevé."),
    ],
)
def test_refused(typed: str | Decimal | int | float | bool, message: str) -> None:
    with pytest.raises(AmountError) as refused:
        parse_amount(typed)
    assert str(refused.value) == message


def test_formatting() -> None:
    assert format_euros(Decimal("1234567.8")) == "1\u00a0234\u00a0567,80\u00a0€"
    assert format_euros(Decimal("0"), symbol=False) == "0,00"
    assert plain_amount(Decimal("12500.5")) == "12500.50"
    assert percent(Decimal("1"), Decimal("3")) == Decimal("33.3")
    assert percent(Decimal("1"), Decimal("0")) is None
