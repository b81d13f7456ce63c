"""The bounds of ids and page numbers that the databases can hold; the request guards and the pages
that read an id or a page number from a form or a query string use them."""

from __future__ import annotations

# PostgreSQL's INTEGER, the type of every primary key.
MAX_ID = 2**31 - 1
# Pages far beyond the last one are empty; past this one, their offset would overflow the databases'
# integers (a 500 found by fuzzing `page`).
LAST_PAGE = MAX_ID


def parse_id(raw: str) -> int | None:
    """The id written in a form field: ASCII digits up to MAX_ID ("²" is a digit to str.isdigit()
    but not to int(); a larger number overflows the database); None for anything else."""
    if not (raw.isascii() and raw.isdigit()):
        return None
    value = int(raw)
    return value if value <= MAX_ID else None
