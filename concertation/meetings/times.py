"""Wall-clock times in Paris that do not exist or occur twice, on the days the clocks change."""

from __future__ import annotations

from datetime import datetime

from concertation.core.timeutils import PARIS, paris_to_utc, to_paris

# The years the meeting services accept (services.FIRST_YEAR..LAST_YEAR); outside them, conversions overflow.
FIRST_YEAR, LAST_YEAR = 1900, 2200


def paris_gap(label: str, value: datetime | None) -> str | None:
    """A French message when a wall-clock time does not exist in Paris (skipped when clocks go forward)."""
    if value is None or value.tzinfo is not None or not FIRST_YEAR <= value.year <= LAST_YEAR:
        return None
    if to_paris(paris_to_utc(value)).replace(tzinfo=None) == value:
        return None
    return (
        f"Heure de {label} : {format_clock(value)} n'existe pas le {value:%d/%m/%Y} à Paris, les horloges "
        "passant de 2 h 00 à 3 h 00 (heure d'été). Choisissez une autre heure."
    )


def is_repeated(value: datetime | None) -> bool:
    """Whether a wall-clock time occurs twice in Paris (the hour repeated when clocks go back)."""
    if value is None or value.tzinfo is not None or not FIRST_YEAR <= value.year <= LAST_YEAR:
        return False
    first = value.replace(tzinfo=PARIS, fold=0).utcoffset()
    return first != value.replace(tzinfo=PARIS, fold=1).utcoffset()


def format_clock(value: datetime) -> str:
    return f"{value.hour} h {value.minute:02d}"


def repeated_hour_notes(starts_at: datetime | None, ends_at: datetime | None) -> list[str]:
    """What the organiser must know about the times entered: an hour that occurs twice is read as the first.

    The service keeps the first occurrence (summer time, UTC+2), as zoneinfo does with fold=0; the
    routes show this note so that the organiser can move the meeting if the second one was meant.
    """
    notes = []
    for label, value in (("début", starts_at), ("fin", ends_at)):
        if value is not None and is_repeated(value):
            notes.append(
                f"Heure de {label} : {format_clock(value)} existe deux fois le {value:%d/%m/%Y} "
                "(retour à l'heure d'hiver) ; la réunion est fixée à la première, en heure d'été (UTC+2)."
            )
    return notes
