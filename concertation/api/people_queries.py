"""Read queries of the API about persons and their mandates (one SELECT per relation, no N+1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from concertation.extensions import db
from concertation.people.models import Mandate, Person, person_order
from concertation.people.services import DirectoryFilters, directory_conditions


@dataclass(frozen=True)
class BodyItem:
    type: str
    code: str | None
    name: str


@dataclass(frozen=True)
class MandateItem:
    id: int
    role: str
    role_label: str
    function_label: str
    body: BodyItem
    starts_on: date | None
    ends_on: date | None
    is_current: bool
    quality: str
    source: str


@dataclass(frozen=True)
class PersonItem:
    id: int
    civility: str
    first_name: str
    last_name: str
    full_name: str
    email: str | None
    phone: str | None
    mandates: list[MandateItem] = field(default_factory=list)


def _body(mandate: Mandate) -> BodyItem:
    if mandate.commune is not None:
        return BodyItem("commune", mandate.commune.insee_code, mandate.commune.name)
    if mandate.intercommunality is not None:
        return BodyItem("intercommunality", mandate.intercommunality.siren, mandate.intercommunality.name)
    if mandate.canton is not None:
        return BodyItem("canton", mandate.canton.code, mandate.canton.name)
    if mandate.syndicate is not None:
        return BodyItem("syndicate", mandate.syndicate.siren, mandate.syndicate.name)
    return BodyItem("departement", None, mandate.body_name)


def _person_item(person: Person, on: date) -> PersonItem:
    mandates = [
        MandateItem(
            id=mandate.id,
            role=str(mandate.role),
            role_label=mandate.role.label,
            function_label=mandate.function_label,
            body=_body(mandate),
            starts_on=mandate.starts_on,
            ends_on=mandate.ends_on,
            is_current=mandate.is_valid_on(on),
            quality=mandate.quality,
            source=str(mandate.source),
        )
        for mandate in person.mandates
    ]
    return PersonItem(
        id=person.id,
        civility=person.civility,
        first_name=person.first_name,
        last_name=person.last_name,
        full_name=person.full_name,
        email=person.email,
        phone=person.phone,
        mandates=mandates,
    )


def _people_query() -> Select[Person]:
    return select(Person).options(
        selectinload(Person.mandates).options(
            joinedload(Mandate.commune),
            joinedload(Mandate.intercommunality),
            joinedload(Mandate.canton),
            joinedload(Mandate.syndicate),
        )
    )


def list_people(
    filters: DirectoryFilters, on: date, *, page: int, page_size: int
) -> tuple[list[PersonItem], int]:
    """One page of persons by name, and how many persons match in all (the directory's filters)."""
    conditions = directory_conditions(filters, on)
    total = db.session.scalar(select(func.count(Person.id)).where(*conditions)) or 0
    people = db.session.scalars(
        _people_query()
        .where(*conditions)
        .order_by(*person_order(), Person.id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    return [_person_item(person, on) for person in people], total


def get_person(person_id: int, on: date) -> PersonItem | None:
    person = db.session.scalar(_people_query().where(Person.id == person_id))
    return _person_item(person, on) if person is not None else None
