"""French wording of days and times, in Europe/Paris, as élus and organisers read them."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date

from concertation.core.timeutils import to_paris

LOCALE = "fr_FR"


def format_day(on: date) -> str:
    """ "mardi 12 mai 2026"; the first of the month is written "1er" as French usage wants."""
    weekday = format_date(on, "EEEE", locale=LOCALE)
    month = format_date(on, "MMMM", locale=LOCALE)
    day = "1er" if on.day == 1 else str(on.day)
    return f"{weekday} {day} {month} {on.year}"


def format_time(value: datetime) -> str:
    """ "14 h 00", "9 h 05" for an aware datetime, read in Europe/Paris."""
    local = to_paris(value)
    return f"{local.hour} h {local.minute:02d}"


def format_meeting_time(starts_at: datetime, ends_at: datetime) -> str:
    """The meeting's date and hours in French words, in Europe/Paris.

    "mardi 12 mai 2026 de 14 h 00 à 17 h 00" on one day,
    "du mardi 12 mai 2026 à 14 h 00 au mercredi 13 mai 2026 à 12 h 00" across days.
    """
    if ends_at < starts_at:
        raise ValueError("La fin de la réunion précède son début.")
    start, end = to_paris(starts_at), to_paris(ends_at)
    if start.date() == end.date():
        if start == end:
            return f"{format_day(start.date())} à {format_time(start)}"
        return f"{format_day(start.date())} de {format_time(start)} à {format_time(end)}"
    since = f"{format_day(start.date())} à {format_time(start)}"
    return f"du {since} au {format_day(end.date())} à {format_time(end)}"
