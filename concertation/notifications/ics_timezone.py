"""Europe/Paris as a VTIMEZONE that every calendar client reads the same way."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from icalendar import Timezone

from concertation.core.timeutils import PARIS
from concertation.notifications.ics_types import (
    TZID,
)

# Europe/Paris as Outlook, Google and Thunderbird write it: yearly RRULEs. Outlook desktop misreads
# the RDATE lists that icalendar generates from the tz database (iCalcreator#86, biweekly#76).
_PARIS_VTIMEZONE = "\r\n".join(
    [
        "BEGIN:VTIMEZONE",
        f"TZID:{TZID}",
        "BEGIN:DAYLIGHT",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "TZNAME:CEST",
        "DTSTART:19700329T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "TZNAME:CET",
        "DTSTART:19701025T030000",
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        "END:STANDARD",
        "END:VTIMEZONE",
        "",
    ]
)


def _last_sunday_1am_utc(year: int, month: int) -> datetime:
    # EU summer time starts and ends at 01:00 UTC on the last Sunday of March and October.
    day = datetime(year, month + 1, 1, 1, tzinfo=UTC) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def rule_offset(value: datetime) -> timedelta:
    """UTC offset that _PARIS_VTIMEZONE's rules give at an instant."""
    instant = value.astimezone(UTC)
    summer = _last_sunday_1am_utc(instant.year, 3) <= instant < _last_sunday_1am_utc(instant.year, 10)
    return timedelta(hours=2 if summer else 1)


def paris_vtimezone(starts_at: datetime, ends_at: datetime) -> Timezone:
    """The VTIMEZONE of an event in Europe/Paris.

    The RRULE form when its rules agree with the tz database at both ends of the event; else
    (should France stop changing clocks) the one icalendar generates from the tz database,
    which is always right if less well read by Outlook.
    """
    if all(rule_offset(moment) == moment.astimezone(PARIS).utcoffset() for moment in (starts_at, ends_at)):
        component = Timezone.from_ical(_PARIS_VTIMEZONE)
        if isinstance(component, Timezone):
            return component
    first = date(starts_at.astimezone(PARIS).year, 1, 1)
    last = date(ends_at.astimezone(PARIS).year + 1, 1, 1)
    timezone = Timezone.from_tzid(TZID, first_date=first, last_date=last)
    # icalendar notes its window in a COMMENT, which RFC 5545 does not list in VTIMEZONE.
    timezone.pop("COMMENT", None)
    return timezone
