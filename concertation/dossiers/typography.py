"""French typography of the printed dossier: the spaces French printers put around punctuation and in
numbers, and the amounts written as on every other page.

Numbers come from `core.numbers` (Babel's French grouping, a narrow no-break space between thousands);
the texts typed by the organisers and the labels of the other domains get their punctuation spaces here,
when they are printed, so that nothing stored changes.
"""

from __future__ import annotations

import re
from decimal import Decimal

from concertation.core.numbers import format_number

NARROW = "\u202f"
NBSP = "\u00a0"
# Any space (or none) before the high punctuation and the closing guillemet, after the opening one.
_BEFORE = re.compile(r"[ \u00a0\u202f]*([;:!?»])")
_AFTER = re.compile(r"«[ \u00a0\u202f]*")
# "12 500" written with plain or no-break spaces by another domain: narrow spaces between thousands.
_GROUPS = re.compile(r"(?<=\d)[ \u00a0](?=\d{3}(?!\d))")
# A colon between digits is a time or a ratio ("14:00"), and "://" an address: no space there.
_KEEP = re.compile(r"(?<=\d)" + NARROW + r":(?=\d)|" + NARROW + r":(?=//)")


def french_text(text: str) -> str:
    """ "Enjeux : eau ; « santé »!" -> "Enjeux\u202f: eau\u202f; «\u202fsanté\u202f»\u202f!".

    A narrow no-break space before ; : ! ? » and after «, whatever space was typed; digit groups joined
    by narrow no-break spaces. Times ("14:00") and web addresses keep their colon.
    """
    if not text:
        return ""
    spaced = _AFTER.sub("«" + NARROW, _BEFORE.sub(NARROW + r"\1", text))
    spaced = _KEEP.sub(":", spaced)
    # A line that starts with punctuation ("?" alone) keeps no space before it.
    spaced = re.sub(r"(^|\n)" + NARROW, r"\1", spaced)
    return _GROUPS.sub(NARROW, spaced)


def euros(amount: Decimal | None) -> str:
    """12500.5 -> "12\u202f500,50\u00a0€": the cents as on the contract pages, narrow thousands."""
    if amount is None:
        return ""
    return f"{format_number(amount, 2)}{NBSP}€"


def percent(value: Decimal | None) -> str:
    """93.3 -> "93,3\u00a0%"; a dash when there is no share (no envelope)."""
    if value is None:
        return "—"
    return f"{format_number(value, 1)}{NBSP}%"
