"""Text normalisation used to compare names and functions written inconsistently."""

from __future__ import annotations

import re
import unicodedata


def fold(value: str) -> str:
    """Lower case, no accents, single spaces: "Président  du Conseil" -> "president du conseil"."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", stripped).strip().lower()


# Characters nobody types on purpose that still change what readers see or where parsers cut:
# C0 and C1 controls (libical ends a SUMMARY at U+000B or U+001C) and the bidirectional formatting
# characters (U+202E shows "Dupont" as "tnopuD" and reorders a To: line or a CSV cell).
_BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_LINE_BREAKS = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
# Separators that some editors write between words or lines (Word's U+000B, U+001C-U+001E): spaces.
_SEPARATORS = re.compile("[\x0b\x0c\x1c-\x1e]")
_INVISIBLE = re.compile(f"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f{_BIDI_CONTROLS}]")


def clean_line(value: str) -> str:
    """One line of text fit to store and to write anywhere (headers, iCalendar, CSV).

    Control and bidirectional formatting characters are dropped, tabs and line breaks become
    spaces, runs of spaces become one and the ends are trimmed.
    """
    return " ".join(_INVISIBLE.sub("", _SEPARATORS.sub(" ", _LINE_BREAKS.sub(" ", value))).split())


def clean_text(value: str) -> str:
    """Multi-line text with the same characters dropped, separators as spaces, line breaks as "\\n"."""
    return _INVISIBLE.sub("", _SEPARATORS.sub(" ", _LINE_BREAKS.sub("\n", value)))


# ----------------------------------------------------------------------------------- French collation

_NUMBERS = re.compile(r"(\d+)")
_SORT_SEPARATORS = re.compile(r"[\s\-'’_.,;:/()]+")


def sort_key(value: str) -> tuple[tuple[tuple[str, int], ...], str]:
    """A key sorting names as a French reader expects, without ICU.

    Accents and case are ignored first ("Bédouès" before "Bourgs", "Saint-Étienne" before
    "Saint-Germain"), hyphens and apostrophes count as spaces, and numbers compare by value ("1er
    vice-président" before "2e", "Mende-2" before "Mende-10"). Names equal on all that are ordered by
    their exact text, so the order never depends on the input's. The text is cut into (text, number)
    pairs, -1 standing for no number, so that any two keys compare.
    """
    plain = _SORT_SEPARATORS.sub(" ", fold(value).replace("œ", "oe").replace("æ", "ae")).strip()
    parts = _NUMBERS.split(plain)  # text, number, text, number, ..., text
    pairs = [(parts[i], int(parts[i + 1]) if i + 1 < len(parts) else -1) for i in range(0, len(parts), 2)]
    return tuple(pairs), value
