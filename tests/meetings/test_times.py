"""Paris wall-clock times on the days the clocks change (meetings/times.py): the hour that does not exist
in March, the hour that occurs twice in October, and the notes the organiser reads about them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from concertation.meetings.times import format_clock, is_repeated, paris_gap, repeated_hour_notes

# 2027: clocks go forward on Sunday 28 March (02:00 -> 03:00) and back on Sunday 31 October (03:00 -> 02:00).
SKIPPED = datetime(2027, 3, 28, 2, 30)
REPEATED = datetime(2027, 10, 31, 2, 30)


def test_a_skipped_time_gets_a_french_message() -> None:
    assert paris_gap("début", SKIPPED) == (
        "Heure de début : 2 h 30 n'existe pas le 28/03/2027 à Paris, les horloges passant de 2 h 00 à "
        "3 h 00 (heure d'été). Choisissez une autre heure."
    )
    assert paris_gap("fin", datetime(2027, 3, 28, 2, 0)).startswith("Heure de fin : 2 h 00 n'existe pas")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "value",
    [
        datetime(2027, 3, 28, 1, 59),
        datetime(2027, 3, 28, 3, 0),
        datetime(2027, 3, 27, 2, 30),  # the day before: 02:30 exists
        REPEATED,  # exists (twice): not a gap
        None,
        datetime(2027, 3, 28, 2, 30, tzinfo=UTC),  # an aware instant always exists
        datetime(1800, 3, 28, 2, 30),  # outside the years the services accept
    ],
)
def test_times_that_exist_have_no_gap_message(value: datetime | None) -> None:
    assert paris_gap("début", value) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (REPEATED, True),
        (datetime(2027, 10, 31, 2, 0), True),
        (datetime(2027, 10, 31, 2, 59), True),
        (datetime(2027, 10, 31, 1, 59), False),
        (datetime(2027, 10, 31, 3, 0), False),
        (datetime(2027, 10, 30, 2, 30), False),
        pytest.param(
            SKIPPED,
            False,
            # The offsets of fold=0 and fold=1 differ inside the spring gap too; the services refuse such a
            # time (paris_gap) before any note is shown, so no page says "existe deux fois" for it today.
            marks=pytest.mark.xfail(strict=True, reason="is_repeated() is also true for a skipped time"),
        ),
        (datetime(2027, 10, 31, 2, 30, tzinfo=UTC), False),
        (datetime(2300, 10, 31, 2, 30), False),
        (None, False),
    ],
)
def test_is_repeated(value: datetime | None, expected: bool) -> None:
    assert is_repeated(value) is expected


def test_repeated_hour_notes_name_each_time_concerned() -> None:
    notes = repeated_hour_notes(REPEATED, datetime(2027, 10, 31, 4, 0))
    assert notes == [
        "Heure de début : 2 h 30 existe deux fois le 31/10/2027 (retour à l'heure d'hiver) ; la réunion est "
        "fixée à la première, en heure d'été (UTC+2)."
    ]
    both = repeated_hour_notes(datetime(2027, 10, 31, 2, 5), datetime(2027, 10, 31, 2, 45))
    assert [note.split(" existe")[0] for note in both] == ["Heure de début : 2 h 05", "Heure de fin : 2 h 45"]
    assert repeated_hour_notes(datetime(2027, 10, 30, 14, 0), None) == []
    assert repeated_hour_notes(None, None) == []


def test_format_clock() -> None:
    assert format_clock(datetime(2027, 1, 1, 9, 5)) == "9 h 05"
    assert format_clock(datetime(2027, 1, 1, 0, 0)) == "0 h 00"
