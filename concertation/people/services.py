"""Persons and mandates entered by organisers, and the élus directory. The caller commits."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, selectinload

from concertation.core.dated import valid_on
from concertation.core.ids import LAST_PAGE
from concertation.core.spreadsheets import csv_cell
from concertation.core.text import fold, sort_key
from concertation.core.timeutils import today_paris
from concertation.extensions import db
from concertation.people.models import ROLE_BODY, Mandate, Person, Role, person_order, person_sort_key
from concertation.people.validation import (
    DuplicatePerson,
    InvalidMandate,
    InvalidPerson,
    check_birth_date,
    check_names,
    check_period,
    normalise_email,
    normalise_phone,
    periods_overlap,
)
from concertation.territory.models import Canton, Commune, Intercommunality, Syndicate

CIVILITIES = ("", "M.", "Mme")
DIRECTORY_PAGE_SIZE = 50
CSV_HEADER = ("civilité", "nom", "prénom", "email", "téléphone", "qualités")

# Each kind of body: its model, the mandate's column and the French word used in messages.
BODY_KINDS: dict[str, tuple[type[Any], InstrumentedAttribute[int | None], str]] = {
    "commune": (Commune, Mandate.commune_id, "la commune"),
    "intercommunality": (Intercommunality, Mandate.intercommunality_id, "l'intercommunalité"),
    "canton": (Canton, Mandate.canton_id, "le canton"),
    "syndicate": (Syndicate, Mandate.syndicate_id, "le syndicat"),
}


@dataclass(frozen=True)
class PersonData:
    """What an organiser enters about a person."""

    first_name: str
    last_name: str
    civility: str = ""
    birth_on: date | None = None
    email: str | None = None
    phone: str | None = None
    postal_address: str = ""
    notes: str = ""


def _checked_person(data: PersonData, current: Person | None) -> dict[str, Any]:
    if data.civility not in CIVILITIES:
        raise InvalidPerson("Civilité inconnue : choisissez M. ou Mme.", "civility")
    first, last = check_names(data.first_name, data.last_name)
    check_birth_date(data.birth_on, today_paris())
    values = {
        "civility": data.civility,
        "first_name": first,
        "last_name": last,
        "birth_on": data.birth_on,
        "email": normalise_email(data.email),
        "phone": normalise_phone(data.phone),
        "postal_address": data.postal_address.strip(),
        "notes": data.notes.strip(),
    }
    if data.birth_on is not None:
        namesakes = db.session.scalars(
            select(Person).where(
                Person.birth_on == data.birth_on, func.lower(Person.last_name) == last.lower()
            )
        )
        for other in namesakes:
            if other is not current and fold(other.first_name) == fold(first):
                raise DuplicatePerson(
                    f"{other.full_name}, né(e) le {data.birth_on:%d/%m/%Y}, est déjà enregistré(e).",
                    "last_name",
                )
    return values


def create_person(data: PersonData) -> Person:
    """A new person (without mandates); InvalidPerson or DuplicatePerson leave nothing written."""
    person = Person(**_checked_person(data, None))
    db.session.add(person)
    db.session.flush()
    return person


def update_person(person: Person, data: PersonData) -> None:
    """Replace what is known about a person; an error leaves the person unchanged."""
    for key, value in _checked_person(data, person).items():
        setattr(person, key, value)
    db.session.flush()


@dataclass(frozen=True)
class MandateData:
    """A role held in a body; `body_id` is the id of the body that the role calls for."""

    role: Role
    body_id: int | None
    starts_on: date | None = None
    ends_on: date | None = None
    function_label: str = ""


def add_mandate(person: Person, data: MandateData) -> Mandate:
    """Give a person a mandate; refused if it ends before it starts or repeats one of the same period."""
    kind = ROLE_BODY[data.role]
    body: Any = None
    if kind is not None:
        model, _, word = BODY_KINDS[kind]
        body = db.session.get(model, data.body_id) if data.body_id is not None else None
        if body is None:
            raise InvalidMandate(f"Choisissez {word} où ce mandat est exercé.", f"{kind}_id")
    check_period(data.starts_on, data.ends_on)
    for other in person.mandates:
        same_body = kind is None or getattr(other, kind) is body
        if (
            other.role == data.role
            and same_body
            and periods_overlap((other.starts_on, other.ends_on), (data.starts_on, data.ends_on))
        ):
            raise InvalidMandate(f"Ce mandat recoupe un mandat déjà enregistré : {other.quality}.", "role")
    mandate = Mandate(
        role=data.role,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        function_label=data.function_label.strip(),
        **({kind: body} if kind is not None else {}),
    )
    person.mandates.append(mandate)
    db.session.flush()
    return mandate


def end_mandate(mandate: Mandate, ends_on: date) -> None:
    """Close a current mandate on a date that is not before its start."""
    if mandate.ends_on is not None:
        raise InvalidMandate(f"Ce mandat est déjà terminé depuis le {mandate.ends_on:%d/%m/%Y}.", "ends_on")
    check_period(mandate.starts_on, ends_on)
    mandate.ends_on = ends_on
    db.session.flush()


def delete_mandate(mandate: Mandate) -> None:
    """Remove a mandate entered by mistake (ending it keeps the history)."""
    mandate.person.mandates.remove(mandate)
    db.session.flush()


def delete_mandates_in(kind: str, body_id: int) -> int:
    """Remove the mandates, current or ended, held in a body about to go; returns how many went."""
    column = BODY_KINDS[kind][1]
    mandates = list(db.session.scalars(select(Mandate).where(column == body_id)))
    for mandate in mandates:
        db.session.delete(mandate)
    return len(mandates)


def mandate_valid_on(on: date) -> ColumnElement[bool]:
    """SQL twin of Mandate.is_valid_on."""
    return valid_on(Mandate, on)


def _role_rank(mandate: Mandate) -> tuple[object, ...]:
    role = mandate.role
    # Vice-présidents by rank ("1er" before "2e", "10e" last), the others by name.
    rank = sort_key(mandate.function_label) if role is Role.VICE_PRESIDENT_EPCI else sort_key("")
    return (list(Role).index(role), rank, person_sort_key(mandate.person))


def mandates_in(kind: str, body_id: int, on: date) -> list[Mandate]:
    """Mandates held in one body on a date, by role then name, their persons loaded."""
    column = BODY_KINDS[kind][1]
    stmt = (
        select(Mandate).where(column == body_id, mandate_valid_on(on)).options(selectinload(Mandate.person))
    )
    return sorted(db.session.scalars(stmt), key=_role_rank)


def holders_by_body(kind: str, roles: Iterable[Role], on: date) -> dict[int, list[Mandate]]:
    """For each body of a kind, the mandates of the given roles held there on a date (one query)."""
    column = BODY_KINDS[kind][1]
    stmt = (
        select(Mandate)
        .where(column.is_not(None), Mandate.role.in_(list(roles)), mandate_valid_on(on))
        .options(selectinload(Mandate.person))
    )
    found: dict[int, list[Mandate]] = defaultdict(list)
    for mandate in sorted(db.session.scalars(stmt), key=_role_rank):
        body_id = getattr(mandate, f"{kind}_id")
        found[body_id].append(mandate)
    return found


def count_mandates_in(kind: str, body_id: int) -> int:
    column = BODY_KINDS[kind][1]
    return db.session.scalar(select(func.count(Mandate.id)).where(column == body_id)) or 0


@dataclass(frozen=True)
class DirectoryFilters:
    """Filters of the élus directory. By default, only current mandates count."""

    search: str = ""
    role: Role | None = None
    body: tuple[str, int] | None = None  # (kind, id), kind being a key of BODY_KINDS
    include_ended: bool = False
    # Persons with no mandate at all (contacts), listed with the current élus when no role or body is asked.
    include_contacts: bool = True


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def directory_conditions(filters: DirectoryFilters, on: date) -> list[ColumnElement[bool]]:
    """The WHERE clauses on Person of the élus directory (its pages, its export and the API).

    Without a role or body filter, persons with no mandate at all (contacts) are listed too unless
    `include_contacts` is false; former élus whose mandates have all ended appear only when ended
    mandates are included.
    """
    conditions: list[ColumnElement[bool]] = [Mandate.person_id == Person.id]
    if filters.role is not None:
        conditions.append(Mandate.role == filters.role)
    if filters.body is not None:
        kind, body_id = filters.body
        conditions.append(BODY_KINDS[kind][1] == body_id)
    if not filters.include_ended:
        conditions.append(mandate_valid_on(on))
    matching = select(Mandate.id).where(*conditions).exists()
    found: list[ColumnElement[bool]] = []
    if filters.role is not None or filters.body is not None:
        found.append(matching)
    elif not filters.include_ended:
        no_mandate = ~select(Mandate.id).where(Mandate.person_id == Person.id).exists()
        found.append(or_(matching, no_mandate) if filters.include_contacts else matching)
    for term in filters.search.split()[:5]:
        pattern = _like(term)
        found.append(
            or_(
                Person.last_name.ilike(pattern, escape="\\"),
                Person.first_name.ilike(pattern, escape="\\"),
                Person.email.ilike(pattern, escape="\\"),
            )
        )
    return found


def directory_statement(filters: DirectoryFilters, on: date) -> Select[Person]:
    """Persons matching the filters, by name, with their mandates and bodies loaded."""
    return (
        select(Person)
        .where(*directory_conditions(filters, on))
        .options(
            selectinload(Person.mandates).options(
                selectinload(Mandate.commune),
                selectinload(Mandate.intercommunality),
                selectinload(Mandate.canton),
                selectinload(Mandate.syndicate),
            )
        )
        .order_by(*person_order(), Person.id)
    )


def directory_page(filters: DirectoryFilters, on: date, page: int) -> Pagination:
    """One page of DIRECTORY_PAGE_SIZE persons; a page past the end is empty, never an error."""
    return db.paginate(
        directory_statement(filters, on),
        page=min(max(page, 1), LAST_PAGE),
        per_page=DIRECTORY_PAGE_SIZE,
        max_per_page=DIRECTORY_PAGE_SIZE,
        error_out=False,
    )


def listed_mandates(person: Person, filters: DirectoryFilters, on: date) -> list[Mandate]:
    """The mandates shown beside a person: current ones, then ended ones when asked for."""
    current = [m for m in person.mandates if m.is_valid_on(on)]
    if not filters.include_ended:
        return current
    others = [m for m in person.mandates if not m.is_valid_on(on)]
    return current + sorted(others, key=lambda m: m.ends_on or m.starts_on or date.min, reverse=True)


def mandate_label(mandate: Mandate, on: date) -> str:
    """The quality, with its end date when the mandate is over."""
    if mandate.ends_on is not None and mandate.ends_on < on:
        return f"{mandate.quality} (jusqu'au {mandate.ends_on:%d/%m/%Y})"
    return mandate.quality


def directory_csv(persons: Sequence[Person], filters: DirectoryFilters, on: date) -> bytes:
    """The directory as `;`-separated UTF-8 with a BOM, so that Excel opens it with its accents."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for person in persons:
        qualities = ", ".join(mandate_label(m, on) for m in listed_mandates(person, filters, on))
        row = (person.civility, person.last_name, person.first_name, person.email or "", person.phone or "")
        writer.writerow([csv_cell(value) for value in (*row, qualities)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def directory_persons(filters: DirectoryFilters, on: date) -> list[Person]:
    """Every person matching the filters (for the export)."""
    return list(db.session.scalars(directory_statement(filters, on)).unique())
