"""Time helpers: the database stores aware UTC, people read Europe/Paris."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def now_utc() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(UTC)


def today_paris() -> date:
    """Today's date as seen in Lozère."""
    return now_utc().astimezone(PARIS).date()


def to_paris(value: datetime) -> datetime:
    """An aware datetime converted to Europe/Paris."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(PARIS)


def paris_to_utc(value: datetime) -> datetime:
    """A wall-clock time in Lozère (naive or aware) as aware UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=PARIS)
    return value.astimezone(UTC)
