"""French wording of meeting dates and subjects (what élus read in the email)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from concertation.core.timeutils import PARIS
from concertation.notifications.models import MessageKind
from concertation.notifications.wording import format_day, format_meeting_time, format_time, subject_for


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def test_one_day_meeting_in_words() -> None:
    assert format_meeting_time(paris(2026, 5, 12, 14), paris(2026, 5, 12, 17)) == (
        "mardi 12 mai 2026 de 14 h 00 à 17 h 00"
    )


def test_meeting_over_two_days() -> None:
    assert format_meeting_time(paris(2026, 5, 12, 14), paris(2026, 5, 13, 12)) == (
        "du mardi 12 mai 2026 à 14 h 00 au mercredi 13 mai 2026 à 12 h 00"
    )


def test_utc_datetimes_are_read_in_paris() -> None:
    # The database stores UTC: 12:00Z in May is 14:00 in Lozère, 08:00Z in late October is 09:00.
    assert format_meeting_time(
        datetime(2026, 5, 12, 12, tzinfo=UTC), datetime(2026, 5, 12, 15, tzinfo=UTC)
    ) == ("mardi 12 mai 2026 de 14 h 00 à 17 h 00")
    assert format_time(datetime(2026, 10, 26, 8, tzinfo=UTC)) == "9 h 00"
    assert format_time(datetime(2026, 10, 23, 8, tzinfo=UTC)) == "10 h 00"


def test_utc_evening_is_the_next_day_in_paris() -> None:
    starts = datetime(2026, 6, 30, 22, 30, tzinfo=UTC)  # 00:30 on 1 July in Paris
    assert format_meeting_time(starts, datetime(2026, 6, 30, 23, 45, tzinfo=UTC)) == (
        "mercredi 1er juillet 2026 de 0 h 30 à 1 h 45"
    )


def test_first_of_the_month_and_minutes() -> None:
    assert format_day(date(2026, 5, 1)) == "vendredi 1er mai 2026"
    assert format_day(date(2026, 2, 2)) == "lundi 2 février 2026"
    assert format_time(paris(2026, 12, 3, 9, 5)) == "9 h 05"
    assert format_day(date(2026, 8, 15)) == "samedi 15 août 2026"


def test_same_start_and_end() -> None:
    assert (
        format_meeting_time(paris(2026, 5, 12, 14), paris(2026, 5, 12, 14)) == "mardi 12 mai 2026 à 14 h 00"
    )


def test_end_before_start_is_refused() -> None:
    with pytest.raises(ValueError, match="précède"):
        format_meeting_time(paris(2026, 5, 12, 14), paris(2026, 5, 12, 13))


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (MessageKind.INVITATION, "Invitation : Rendez-vous de Territoire"),
        (MessageKind.UPDATE, "Modification : Rendez-vous de Territoire"),
        (MessageKind.CANCEL, "Annulation : Rendez-vous de Territoire"),
    ],
)
def test_subjects_say_what_happened(kind: MessageKind, expected: str) -> None:
    assert subject_for(kind, "Rendez-vous de Territoire") == expected


def test_an_update_of_the_hours_alone_says_so() -> None:
    assert subject_for(MessageKind.UPDATE, "RDV", new_time_only=True) == "Nouvelle heure : RDV"
    assert subject_for(MessageKind.CANCEL, "RDV", new_time_only=True) == "Annulation : RDV"


def test_subject_with_date_and_without_line_breaks() -> None:
    subject = subject_for(MessageKind.INVITATION, "Concertation\r\n  du Gévaudan", "mardi 12 mai 2026")
    assert subject == "Invitation : Concertation du Gévaudan – mardi 12 mai 2026"


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError):
        subject_for(MessageKind.REMINDER, "x")
