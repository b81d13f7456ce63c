"""Text normalisation used to compare names and functions written inconsistently."""

from __future__ import annotations

import re
import unicodedata


def fold(value: str) -> str:
    """Lower case, no accents, single spaces: "Président  du Conseil" -> "president du conseil"."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", stripped).strip().lower()


# ----------------------------------------------------------------------------------- French collation

_NUMBERS = re.compile(r"(\d+)")
_SEPARATORS = re.compile(r"[\s\-'’_.,;:/()]+")


def sort_key(value: str) -> tuple[tuple[tuple[str, int], ...], str]:
    """A key sorting names as a French reader expects, without ICU.

    Accents and case are ignored first ("Bédouès" before "Bourgs", "Saint-Étienne" before
    "Saint-Germain"), hyphens and apostrophes count as spaces, and numbers compare by value ("1er
    vice-président" before "2e", "Mende-2" before "Mende-10"). Names equal on all that are ordered by
    their exact text, so the order never depends on the input's. The text is cut into (text, number)
    pairs, -1 standing for no number, so that any two keys compare.
    """
    plain = _SEPARATORS.sub(" ", fold(value).replace("œ", "oe").replace("æ", "ae")).strip()
    parts = _NUMBERS.split(plain)  # text, number, text, number, ..., text
    pairs = [(parts[i], int(parts[i + 1]) if i + 1 < len(parts) else -1) for i in range(0, len(parts), 2)]
    return tuple(pairs), value
