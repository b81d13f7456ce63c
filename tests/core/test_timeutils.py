"""Time helpers (core/timeutils.py): the database stores aware UTC, people read Europe/Paris."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from concertation.core.timeutils import now_utc, paris_to_utc, to_paris


def test_now_utc_is_aware_utc() -> None:
    before = datetime.now(UTC)
    now = now_utc()
    assert now.utcoffset() == timedelta(0)
    assert before <= now <= datetime.now(UTC)


def test_to_paris_converts_aware_values_and_reads_naive_ones_as_utc() -> None:
    winter = to_paris(datetime(2026, 1, 15, 13, 0, tzinfo=UTC))
    assert (winter.hour, winter.utcoffset()) == (14, timedelta(hours=1))
    summer = to_paris(datetime(2026, 7, 15, 13, 0, tzinfo=UTC))
    assert (summer.hour, summer.utcoffset()) == (15, timedelta(hours=2))
    assert to_paris(datetime(2026, 7, 15, 13, 0)) == summer


def test_paris_to_utc_reads_naive_values_as_paris_wall_clock() -> None:
    assert paris_to_utc(datetime(2026, 1, 15, 14, 0)) == datetime(2026, 1, 15, 13, 0, tzinfo=UTC)
    assert paris_to_utc(datetime(2026, 7, 15, 14, 0)) == datetime(2026, 7, 15, 12, 0, tzinfo=UTC)
    aware = datetime(2026, 7, 15, 14, 0, tzinfo=UTC)
    assert paris_to_utc(aware) == aware and paris_to_utc(aware).tzinfo is UTC


def test_the_two_conversions_are_inverse_around_the_clock_changes() -> None:
    for start in (datetime(2027, 3, 27, 22, 0, tzinfo=UTC), datetime(2027, 10, 30, 22, 0, tzinfo=UTC)):
        for minutes in range(0, 8 * 60, 15):
            instant = start + timedelta(minutes=minutes)
            assert paris_to_utc(to_paris(instant)) == instant
