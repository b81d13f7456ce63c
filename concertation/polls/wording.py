"""How a proposed slot reads in French, in Europe/Paris: "mardi 9 mars 2027, de 14 h à 17 h"."""

from __future__ import annotations

from datetime import date, datetime

from concertation.core.dates import format_day
from concertation.core.holidays import is_public_holiday
from concertation.core.timeutils import to_paris


def _clock(value: datetime) -> str:
    # "14 h", "9 h 30": a poll lists several slots, the round hours read faster without ":00".
    return f"{value.hour} h" if value.minute == 0 else f"{value.hour} h {value.minute:02d}"


def slot_day(starts_at: datetime) -> date:
    return to_paris(starts_at).date()


def slot_label(starts_at: datetime, ends_at: datetime) -> str:
    """ "mardi 9 mars 2027, de 14 h à 17 h"; across midnight both days are written."""
    start, end = to_paris(starts_at), to_paris(ends_at)
    if start.date() == end.date():
        return f"{format_day(start.date())}, de {_clock(start)} à {_clock(end)}"
    return f"du {format_day(start.date())} à {_clock(start)} au {format_day(end.date())} à {_clock(end)}"


def slot_holiday(starts_at: datetime) -> str | None:
    """The public holiday on the slot's day in Paris, if any (the page shows a "jour férié" badge)."""
    return is_public_holiday(slot_day(starts_at))
