"""Text normalisation used to compare names and functions written inconsistently."""

from __future__ import annotations

import re
import unicodedata


def fold(value: str) -> str:
    """Lower case, no accents, single spaces: "Président  du Conseil" -> "president du conseil"."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", stripped).strip().lower()
