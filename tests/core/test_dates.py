"""French wording of days and times (core/dates.py), read in Europe/Paris whatever the offset given."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from concertation.core.dates import format_day, format_meeting_time, format_time


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2026, 5, 1), "vendredi 1er mai 2026"),
        (date(2026, 5, 12), "mardi 12 mai 2026"),
        (date(2027, 2, 28), "dimanche 28 février 2027"),
        (date(2026, 8, 31), "lundi 31 août 2026"),
    ],
)
def test_format_day_writes_the_weekday_and_the_first_as_1er(on: date, expected: str) -> None:
    assert format_day(on) == expected


def test_format_time_reads_the_instant_in_paris_winter_and_summer() -> None:
    assert format_time(datetime(2026, 1, 15, 8, 5, tzinfo=UTC)) == "9 h 05"
    assert format_time(datetime(2026, 7, 15, 8, 5, tzinfo=UTC)) == "10 h 05"
    # Another offset is converted too: 14:00 in New York (UTC-5 in January) is 20:00 in Paris.
    assert format_time(datetime(2026, 1, 15, 14, 0, tzinfo=timezone(timedelta(hours=-5)))) == "20 h 00"


def test_a_meeting_on_one_day() -> None:
    starts = datetime(2026, 5, 12, 12, 0, tzinfo=UTC)
    assert (
        format_meeting_time(starts, starts + timedelta(hours=3)) == "mardi 12 mai 2026 de 14 h 00 à 17 h 00"
    )


def test_a_meeting_across_two_days() -> None:
    starts = datetime(2026, 5, 12, 12, 0, tzinfo=UTC)
    assert (
        format_meeting_time(starts, datetime(2026, 5, 13, 10, 0, tzinfo=UTC))
        == "du mardi 12 mai 2026 à 14 h 00 au mercredi 13 mai 2026 à 12 h 00"
    )


def test_the_day_is_the_paris_day_not_the_utc_day() -> None:
    # 22:30 UTC on the 12th is already 00:30 on the 13th in Paris (summer time).
    starts = datetime(2026, 5, 12, 22, 30, tzinfo=UTC)
    assert (
        format_meeting_time(starts, starts + timedelta(minutes=30))
        == "mercredi 13 mai 2026 de 0 h 30 à 1 h 00"
    )


def test_a_meeting_without_duration_is_one_instant() -> None:
    at = datetime(2026, 5, 12, 12, 0, tzinfo=UTC)
    assert format_meeting_time(at, at) == "mardi 12 mai 2026 à 14 h 00"


def test_an_end_before_the_start_is_refused() -> None:
    starts = datetime(2026, 5, 12, 12, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="La fin de la réunion précède son début"):
        format_meeting_time(starts, starts - timedelta(minutes=1))
