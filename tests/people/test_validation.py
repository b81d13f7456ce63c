"""The checks of every person input (people/validation.py): forms, API, contacts import and attendance all
go through them, so each rule is tested once here, on its own."""

from __future__ import annotations

from datetime import date

import pytest

from concertation.people.validation import (
    InvalidMandate,
    InvalidPerson,
    check_birth_date,
    check_names,
    check_period,
    normalise_email,
    normalise_phone,
    periods_overlap,
)


def test_normalise_email_keeps_the_local_part_and_lowers_the_domain() -> None:
    assert normalise_email("  Jean.Dupont@MENDE.fr ") == "Jean.Dupont@mende.fr"
    # An internationalised domain stays in letters; emails carry its IDNA form.
    assert normalise_email("secretariat@Mairie-Lozère.FR") == "secretariat@mairie-lozère.fr"


@pytest.mark.parametrize("blank", [None, "", "   \t"])
def test_a_blank_email_means_paper_mail(blank: str | None) -> None:
    assert normalise_email(blank) is None


def test_an_accented_local_part_is_refused_with_the_reason() -> None:
    with pytest.raises(InvalidPerson) as raised:
        normalise_email("élodie@mende.fr")
    assert raised.value.field == "email"
    assert str(raised.value).startswith(
        "Adresse électronique « élodie@mende.fr » : les lettres accentuées ne sont pas acceptées avant « @ »"
    )


@pytest.mark.parametrize("value", ["jean", "jean@", "@mende.fr", "jean@@mende.fr", "jean dupont@mende.fr"])
def test_an_invalid_email_shows_an_example(value: str) -> None:
    with pytest.raises(InvalidPerson) as raised:
        normalise_email(value)
    assert raised.value.field == "email"
    assert str(raised.value) == (
        f"Adresse électronique invalide : « {value} ». Exemple attendu : prenom.nom@mairie.fr."
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("04 66 32 00 00", "04 66 32 00 00"),
        ("  04   66 \t32 00 00 ", "04 66 32 00 00"),
        ("04.66.32.00.00", "04.66.32.00.00"),
        ("+33 (0)4 66 32 00 00", "+33 (0)4 66 32 00 00"),
        ("", None),
        (None, None),
    ],
)
def test_normalise_phone(value: str | None, expected: str | None) -> None:
    assert normalise_phone(value) == expected


@pytest.mark.parametrize("value", ["01 23", "04 66 32 00 0x", "+-.() +-.()", "1" * 41])
def test_an_invalid_phone_is_refused(value: str) -> None:
    with pytest.raises(InvalidPerson, match="Numéro de téléphone invalide") as raised:
        normalise_phone(value)
    assert raised.value.field == "phone"


def test_check_names_cleans_and_requires_both() -> None:
    assert check_names("  Jean\u202e ", "DUPONT\r\n") == ("Jean", "DUPONT")
    for first, last, field in (("Jean", " ", "last_name"), ("\x00", "DUPONT", "first_name")):
        with pytest.raises(InvalidPerson) as raised:
            check_names(first, last)
        assert raised.value.field == field


def test_check_names_limits_each_to_100_characters() -> None:
    assert check_names("J" * 100, "D" * 100) == ("J" * 100, "D" * 100)
    for first, last, field in (("J" * 101, "D", "first_name"), ("J", "D" * 101, "last_name")):
        with pytest.raises(InvalidPerson, match="100 caractères au plus") as raised:
            check_names(first, last)
        assert raised.value.field == field


def test_check_birth_date_between_1900_and_today() -> None:
    today = date(2026, 5, 12)
    for valid in (None, date(1900, 1, 1), today):
        check_birth_date(valid, today)
    for invalid in (date(1899, 12, 31), date(2026, 5, 13)):
        with pytest.raises(InvalidPerson, match="Date de naissance invalide"):
            check_birth_date(invalid, today)


def test_check_period_refuses_an_end_before_the_start() -> None:
    check_period(date(2026, 3, 22), date(2026, 3, 22))
    check_period(None, date(2020, 1, 1))
    check_period(date(2026, 3, 22), None)
    with pytest.raises(InvalidMandate) as raised:
        check_period(date(2026, 3, 22), date(2026, 3, 21), field="starts_on")
    assert (
        str(raised.value) == "La date de fin (21/03/2026) ne peut pas précéder la date de début (22/03/2026)."
    )
    assert raised.value.field == "starts_on"


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ((date(2020, 1, 1), date(2020, 12, 31)), (date(2020, 12, 31), date(2021, 6, 30)), True),  # one day
        ((date(2020, 1, 1), date(2020, 12, 31)), (date(2021, 1, 1), None), False),
        ((None, None), (date(2021, 1, 1), date(2021, 1, 1)), True),
        ((None, date(2019, 12, 31)), (date(2020, 1, 1), None), False),
        ((date(2020, 1, 1), None), (None, date(2020, 1, 1)), True),
        ((date(2020, 6, 1), date(2020, 6, 30)), (date(2020, 1, 1), date(2020, 12, 31)), True),  # inside
    ],
)
def test_periods_overlap_with_open_bounds(
    first: tuple[date | None, date | None], second: tuple[date | None, date | None], expected: bool
) -> None:
    assert periods_overlap(first, second) is expected
    assert periods_overlap(second, first) is expected
