"""Amounts in euros: French input parsed into Decimal, Decimal shown the French way. Never float."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from sqlalchemy import Numeric

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# The column type of every amount, and so the bound of what a form accepts:
# Numeric(14, 2) holds twelve digits before the decimal point.
MONEY = Numeric(14, 2)
MAX_AMOUNT = Decimal("999999999999.99")

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_CURRENCY = re.compile(r"(€|eur|euros?)$", re.IGNORECASE)
_PLAIN = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_GROUPED = re.compile(r"\d{1,3}(?:X\d{3})+")
# "12.500": a dot before exactly three digits may mean thousands (French) or a decimal point.
_THOUSANDS_DOT = re.compile(r"\d{1,3}\.\d{3}")


class AmountError(ValueError):
    """An amount that cannot be read; `str(error)` is a French message."""


def _normalise(text: str) -> str:
    """ "12 500,50 €" -> "12500.50"; raises AmountError for anything that is not a number."""
    shown = text.strip()
    compact = _CURRENCY.sub("", _SPACES.sub("", shown))
    if compact.startswith("+"):
        compact = compact[1:]
    negative = compact.startswith("-")
    if negative:
        compact = compact[1:]
    if "," in compact and "." in compact:
        decimal_mark = "," if compact.rfind(",") > compact.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        whole, _, fraction = compact.rpartition(decimal_mark)
        if not _GROUPED.fullmatch(whole.replace(thousands, "X")) or not fraction.isdigit():
            raise AmountError(f"Montant invalide : « {shown} » n'est pas un nombre (ex. 12 500,50).")
        compact = whole.replace(thousands, "") + "." + fraction
    elif compact.count(",") == 1:
        compact = compact.replace(",", ".")
    elif _THOUSANDS_DOT.fullmatch(compact):
        raise AmountError(
            f"Montant ambigu : « {shown} ». Écrivez les milliers avec une espace (12 500) "
            "et les centimes après une virgule (12,50)."
        )
    if not _PLAIN.fullmatch(compact):
        raise AmountError(f"Montant invalide : « {shown} » n'est pas un nombre (ex. 12 500,50).")
    if "." in compact and len(compact.partition(".")[2]) > 2:
        raise AmountError("Montant au centime près : deux décimales au plus.")
    if negative:
        raise AmountError("Un montant ne peut pas être négatif.")
    return compact


def parse_amount(value: str | Decimal | int | float) -> Decimal:
    """An amount in euros and cents from French or plain input: "12 500,50", "12500.5", 12500.

    Refuses (AmountError, French message) empty, non-numeric, negative amounts and fractions of a cent.
    """
    if isinstance(value, bool):
        raise AmountError("Montant invalide : un nombre est attendu.")
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        # A JSON number: its shortest representation is what the sender wrote.
        amount = Decimal(repr(value))
    else:
        if not value.strip():
            raise AmountError("Montant obligatoire.")
        try:
            amount = Decimal(_normalise(value))
        except InvalidOperation:
            raise AmountError(f"Montant invalide : « {value.strip()} ».") from None
    if not amount.is_finite():
        raise AmountError("Montant invalide : un nombre fini est attendu.")
    if amount < 0:
        raise AmountError("Un montant ne peut pas être négatif.")
    if amount != amount.quantize(CENT):
        raise AmountError("Montant au centime près : deux décimales au plus.")
    if amount > MAX_AMOUNT:
        raise AmountError("Montant trop élevé.")
    return amount.quantize(CENT)


def parse_field(errors: dict[str, str], name: str, raw: str | Decimal) -> Decimal | None:
    """`parse_amount(raw)`, or None with the French message recorded in `errors[name]`.

    For forms that collect every refused field before answering.
    """
    try:
        return parse_amount(raw)
    except AmountError as error:
        errors[name] = str(error)
        return None


def format_euros(amount: Decimal | None, *, symbol: bool = True) -> str:
    """12500.5 -> "12 500,50 €" (non-breaking spaces)."""
    if amount is None:
        return ""
    text = f"{amount.quantize(CENT):,.2f}".replace(",", "\u00a0").replace(".", ",")
    return f"{text}\u00a0€" if symbol else text


def plain_amount(amount: Decimal) -> str:
    """ "12500.50": the API's and the CSV's machine-readable form."""
    return f"{amount.quantize(CENT):.2f}"


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """Share of `whole` in percent with one decimal; None when `whole` is zero."""
    if not whole:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"))
