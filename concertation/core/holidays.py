"""French public holidays (jours fériés), named as the pages and emails write them.

The eleven holidays of the Code du travail (art. L3133-1) that apply in Lozère; the movable ones follow
Easter (dateutil's Gregorian computation). The names are lower case where French writes them so inside a
sentence ("le lundi de Pâques"), capitalised where they are proper names (Ascension, Toussaint, Noël).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from dateutil.easter import easter

_FIXED: tuple[tuple[int, int, str], ...] = (
    (1, 1, "jour de l'An"),
    (5, 1, "fête du Travail"),
    (5, 8, "Victoire 1945"),
    (7, 14, "fête nationale"),
    (8, 15, "Assomption"),
    (11, 1, "Toussaint"),
    (11, 11, "Armistice 1918"),
    (12, 25, "Noël"),
)
# Days after Easter Sunday.
_MOVABLE: tuple[tuple[int, str], ...] = (
    (1, "lundi de Pâques"),
    (39, "Ascension"),
    (50, "lundi de Pentecôte"),
)


@lru_cache(maxsize=16)
def _holidays(year: int) -> tuple[tuple[date, str], ...]:
    sunday = easter(year)
    days = [(date(year, month, day), name) for month, day, name in _FIXED]
    days += [(sunday + timedelta(days=offset), name) for offset, name in _MOVABLE]
    return tuple(sorted(days))


def public_holidays(year: int) -> dict[date, str]:
    """The eleven public holidays of `year`, by date, in date order."""
    return dict(_holidays(year))


def is_public_holiday(day: date) -> str | None:
    """The holiday's French name when `day` is a public holiday, else None."""
    return public_holidays(day.year).get(day)
