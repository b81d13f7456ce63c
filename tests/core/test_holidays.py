from __future__ import annotations

from datetime import date

import holidays
import pytest

from concertation.core.holidays import is_public_holiday, public_holidays


def test_2027() -> None:
    assert public_holidays(2027) == {
        date(2027, 1, 1): "jour de l'An",
        date(2027, 3, 29): "lundi de Pâques",  # Easter Sunday is 28 March 2027
        date(2027, 5, 1): "fête du Travail",
        date(2027, 5, 6): "Ascension",
        date(2027, 5, 8): "Victoire 1945",
        date(2027, 5, 17): "lundi de Pentecôte",
        date(2027, 7, 14): "fête nationale",
        date(2027, 8, 15): "Assomption",
        date(2027, 11, 1): "Toussaint",
        date(2027, 11, 11): "Armistice 1918",
        date(2027, 12, 25): "Noël",
    }


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 4, 6), "lundi de Pâques"),  # Easter Sunday is 5 April 2026
        (date(2026, 5, 14), "Ascension"),
        (date(2026, 5, 25), "lundi de Pentecôte"),
        (date(2026, 1, 1), "jour de l'An"),
        (date(2026, 11, 11), "Armistice 1918"),
        (date(2026, 4, 5), None),  # Easter Sunday itself is a Sunday, not a public holiday
        (date(2026, 5, 24), None),  # nor is Pentecost Sunday
        (date(2027, 3, 28), None),
        (date(2026, 12, 26), None),  # Saint-Étienne is a holiday in Alsace-Moselle only
    ],
)
def test_is_public_holiday(day: date, name: str | None) -> None:
    assert is_public_holiday(day) == name


def test_the_dates_agree_with_the_holidays_package() -> None:
    # The meeting warnings read the `holidays` package: both calendars must give the same days.
    for year in range(2020, 2061):
        assert set(public_holidays(year)) == set(holidays.country_holidays("FR", years=year)), year


def test_in_date_order() -> None:
    days = list(public_holidays(2026))
    assert days == sorted(days) and len(days) == 11
