"""People factories: persons and their mandates, the élus of the CC du Gévaudan."""

from __future__ import annotations

import itertools
from datetime import date

from sqlalchemy import select

from concertation.extensions import db
from concertation.people.models import Mandate, MandateSource, Person, Role
from concertation.territory.models import Canton, Commune, Intercommunality, Syndicate
from concertation.territory.services import intercommunality_by_siren
from tests.common.db.territory import GEVAUDAN, epci

_seq = itertools.count(1)


def person(
    last_name: str | None = None,
    first_name: str = "Camille",
    *,
    civility: str = "M.",
    email: str | None = "",
    birth_on: date | None = None,
) -> Person:
    n = next(_seq)
    last = last_name or f"Élu{n}"
    created = Person(
        civility=civility,
        first_name=first_name,
        last_name=last,
        birth_on=birth_on,
        email=(f"elu{n}@example.org" if email == "" else email),
    )
    db.session.add(created)
    db.session.flush()
    return created


def mandate(
    holder: Person,
    role: Role,
    body: Commune | Intercommunality | Canton | Syndicate | None,
    *,
    starts_on: date | None = date(2026, 3, 22),
    ends_on: date | None = None,
) -> Mandate:
    created = Mandate(
        person=holder, role=role, starts_on=starts_on, ends_on=ends_on, source=MandateSource.MANUAL
    )
    if isinstance(body, Commune):
        created.commune = body
    elif isinstance(body, Intercommunality):
        created.intercommunality = body
    elif isinstance(body, Canton):
        created.canton = body
    elif isinstance(body, Syndicate):
        created.syndicate = body
    db.session.add(created)
    db.session.flush()
    return created


def gevaudan_elus(*, without_email: int = 1) -> list[Person]:
    """A maire for each commune of the CC du Gévaudan, its président (maire of Marvejols), and the
    conseillers départementaux of the cantons it touches; the first `without_email` maires have no email."""
    on = date(2027, 1, 1)
    gevaudan = epci("244800470")
    created: list[Person] = []
    for index, member in enumerate(gevaudan.communes_on(on)):
        holder = person(f"Maire{member.insee_code}", email=None if index < without_email else "")
        mandate(holder, Role.MAIRE, member)
        if member.insee_code == "48092":
            mandate(holder, Role.PRESIDENT_EPCI, gevaudan)
        created.append(holder)
    cantons = {c.id: c for m in gevaudan.communes_on(on) for c in m.cantons}
    for found in cantons.values():
        holder = person(f"CD{found.code}", civility="Mme")
        mandate(holder, Role.CONSEILLER_DEPARTEMENTAL, found, starts_on=date(2021, 7, 1))
        created.append(holder)
    db.session.commit()
    return created


def president_of_gevaudan() -> Person:
    """The current président of the CC du Gévaudan (in the demo data), who has an address."""
    gevaudan = intercommunality_by_siren(GEVAUDAN)
    assert gevaudan is not None
    found = db.session.scalar(
        select(Person)
        .join(Mandate)
        .where(
            Mandate.role == Role.PRESIDENT_EPCI,
            Mandate.intercommunality_id == gevaudan.id,
            Mandate.ends_on.is_(None),
        )
    )
    assert found is not None and found.email
    return found
