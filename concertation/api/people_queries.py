"""Read queries of the API about persons and their mandates (one SELECT per relation, no N+1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from concertation.core.dated import valid_on
from concertation.extensions import db
from concertation.people.models import Mandate, Person, Role, person_order


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


@dataclass(frozen=True)
class PeopleFilters:
    role: Role | None = None
    q: str | None = None
    current: bool = False


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
            role_label=Role(mandate.role).label,
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


def _people_conditions(filters: PeopleFilters, on: date) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    mandate_conditions: list[ColumnElement[bool]] = []
    if filters.role is not None:
        mandate_conditions.append(Mandate.role == filters.role)
    if filters.current:
        mandate_conditions.append(valid_on(Mandate, on))
    if mandate_conditions:
        # One mandate must meet every condition: a current mandate *of that role*.
        conditions.append(Person.mandates.any(and_(*mandate_conditions)))
    for term in (filters.q or "").lower().split():
        conditions.append(
            or_(
                func.lower(Person.last_name).contains(term, autoescape=True),
                func.lower(Person.first_name).contains(term, autoescape=True),
            )
        )
    return conditions


def list_people(
    filters: PeopleFilters, on: date, *, page: int, page_size: int
) -> tuple[list[PersonItem], int]:
    """One page of persons by name, and how many persons match in all."""
    conditions = _people_conditions(filters, on)
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
