"""Checks on persons and mandates, and the errors they raise, each with a French message."""

from __future__ import annotations

import re
from datetime import date

from email_validator import EmailNotValidError, validate_email

from concertation.core.text import clean_line

PHONE_PATTERN = re.compile(r"[0-9+().\s-]{6,40}")


class PersonError(Exception):
    """Base class: `str(error)` is shown to the user; `field` names the form field concerned, if any."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class InvalidPerson(PersonError):
    """A person that cannot be saved as entered; nothing was written."""


class DuplicatePerson(PersonError):
    """Another person already has the same name and birth date."""


class InvalidMandate(PersonError):
    """A mandate that cannot be saved as entered; nothing was written."""


def normalise_email(value: str | None) -> str | None:
    """The address in its normal form, or None when blank (the person then gets paper mail).

    The one check of every input (forms, API, contacts import, attendance). An internationalised
    domain is accepted and kept in letters (emails carry its IDNA form); accented letters before
    the "@" are refused: they need SMTPUTF8, which few servers of the communes offer.
    """
    value = (value or "").strip()
    if not value:
        return None
    local = value.rpartition("@")[0]
    if local and not local.isascii():
        raise InvalidPerson(
            f"Adresse électronique « {value} » : les lettres accentuées ne sont pas acceptées avant "
            "« @ », car la plupart des messageries ne les acheminent pas. Demandez à la personne "
            "une adresse sans accent avant « @ » (le nom de domaine, après « @ », peut en avoir).",
            "email",
        )
    try:
        return validate_email(value, check_deliverability=False, allow_smtputf8=False).normalized
    except EmailNotValidError:
        raise InvalidPerson(
            f"Adresse électronique invalide : « {value} ». Exemple attendu : prenom.nom@mairie.fr.", "email"
        ) from None


def normalise_phone(value: str | None) -> str | None:
    """The number as typed with spaces tidied, or None when blank."""
    value = " ".join((value or "").split())
    if not value:
        return None
    if not PHONE_PATTERN.fullmatch(value) or sum(ch.isdigit() for ch in value) < 6:
        raise InvalidPerson("Numéro de téléphone invalide : chiffres, espaces, points, + et tirets.", "phone")
    return value


def check_names(first_name: str, last_name: str) -> tuple[str, str]:
    """First and last names without stray spaces, control or bidi characters; both are required."""
    first, last = clean_line(first_name), clean_line(last_name)
    if not last:
        raise InvalidPerson("Le nom est obligatoire.", "last_name")
    if not first:
        raise InvalidPerson("Le prénom est obligatoire.", "first_name")
    if len(last) > 100 or len(first) > 100:
        raise InvalidPerson(
            "Nom et prénom : 100 caractères au plus.", "last_name" if len(last) > 100 else "first_name"
        )
    return first, last


def check_birth_date(birth_on: date | None, today: date) -> None:
    if birth_on is not None and not date(1900, 1, 1) <= birth_on <= today:
        raise InvalidPerson("Date de naissance invalide.", "birth_on")


def check_period(starts_on: date | None, ends_on: date | None, *, field: str = "ends_on") -> None:
    """A mandate cannot end before it starts."""
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        raise InvalidMandate(
            f"La date de fin ({ends_on:%d/%m/%Y}) ne peut pas précéder "
            f"la date de début ({starts_on:%d/%m/%Y}).",
            field,
        )


def periods_overlap(first: tuple[date | None, date | None], second: tuple[date | None, date | None]) -> bool:
    """True when two periods with open bounds share at least a day."""
    (start_a, end_a), (start_b, end_b) = first, second
    starts_before_b_ends = start_a is None or end_b is None or start_a <= end_b
    starts_before_a_ends = start_b is None or end_a is None or start_b <= end_a
    return starts_before_b_ends and starts_before_a_ends
