"""What the RNE import reads from the database, in a few queries, before it looks at any row.

Bodies, open mandates and known persons are preloaded into dictionaries so that matching a row costs
no query. Persons are matched on (last name, first name, birth date) compared folded, so two homonyms
stay two persons.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import NamedTuple

from sqlalchemy import select

from concertation.extensions import db
from concertation.people.models import Role
from concertation.people.rne.kinds import RneFileKind
from concertation.people.rne.rows import RneRow
from concertation.people.rne.tables import KIND_BODY_ATTRIBUTE, MANDATE, PERSON, ROLE_BODY_ATTRIBUTE
from concertation.territory.models import Canton, Commune, Intercommunality, IntercommunalityMembership


class Body(NamedTuple):
    id: int
    name: str


class OpenMandate(NamedTuple):
    id: int
    person_id: int
    role: Role
    body_id: int | None
    function_label: str
    starts_on: date | None
    source: str


class KnownPerson(NamedTuple):
    id: int
    civility: str
    first_name: str
    last_name: str
    birth_on: date | None


class LoadedBodies(NamedTuple):
    by_code: dict[str, Body]  # bodies by RNE code
    covered: set[int]  # ids of the bodies the file covers: their missing mandates are closed
    covers_departement: bool  # whether the file covers the Département (its présidence)
    # Départements whose bodies of the file's kind are all in the database: a code of theirs that is
    # unknown here is a wrong code, never a body to skip (EPCIs straddle départements: none for them).
    complete: set[str]


def load_bodies(kind: RneFileKind, rows: list[RneRow]) -> LoadedBodies:
    """The bodies of the file's kind, and which of them the file covers."""
    departements = {row.departement for row in rows}
    bodies: dict[str, Body] = {}
    covered: set[int] = set()
    complete: set[str] = set()
    if kind is RneFileKind.MAIRES:
        c = Commune.__table__.c
        for id_, code, name, departement in db.session.execute(
            select(c.id, c.insee_code, c.name, c.departement_code)
        ):
            bodies[code] = Body(id_, name)
            complete.add(departement)
            if departement in departements:
                covered.add(id_)
        return LoadedBodies(bodies, covered, False, complete)
    if kind is RneFileKind.CONSEILLERS_DEPARTEMENTAUX:
        for id_, code, name in db.session.execute(select(Canton.id, Canton.code, Canton.name)):
            bodies[code] = Body(id_, name)
            complete.add(code[:-2])
            if code[:-2] in departements:  # canton codes are the département code and two digits
                covered.add(id_)
        return LoadedBodies(bodies, covered, bool(covered), complete)
    for id_, siren, name in db.session.execute(
        select(Intercommunality.id, Intercommunality.siren, Intercommunality.name)
    ):
        bodies[siren] = Body(id_, name)
    # An EPCI is covered when it appears in the file or has a member commune in a covered département.
    covered = {bodies[row.body_code].id for row in rows if row.body_code in bodies}
    covered.update(
        db.session.scalars(
            select(IntercommunalityMembership.intercommunality_id)
            .join(Commune, Commune.id == IntercommunalityMembership.commune_id)
            .where(Commune.departement_code.in_(departements), IntercommunalityMembership.ends_on.is_(None))
        )
    )
    return LoadedBodies(bodies, covered, False, complete)


def load_open_mandates(roles: Iterable[Role]) -> list[OpenMandate]:
    query = select(
        MANDATE.id,
        MANDATE.person_id,
        MANDATE.role,
        MANDATE.function_label,
        MANDATE.starts_on,
        MANDATE.source,
        MANDATE.commune_id,
        MANDATE.intercommunality_id,
        MANDATE.canton_id,
    ).where(MANDATE.ends_on.is_(None), MANDATE.role.in_([r.value for r in roles]))
    found = []
    for values in db.session.execute(query):
        id_, person_id, raw_role, label, starts_on, source, commune_id, epci_id, canton_id = values
        role = Role(raw_role)
        body_ids = {"commune_id": commune_id, "intercommunality_id": epci_id, "canton_id": canton_id}
        attribute = ROLE_BODY_ATTRIBUTE[role]
        body_id = body_ids[attribute] if attribute is not None else None
        found.append(OpenMandate(id_, person_id, role, body_id, label, starts_on, source))
    return found


class PersonMatcher:
    """Finds the existing person a row designates, without ever merging two homonyms."""

    def __init__(self, kind: RneFileKind, fold_cached: Callable[[str], str]) -> None:
        self.kind = kind
        self.known: dict[int, KnownPerson] = {}
        self.by_identity: dict[tuple[str, str, date | None], int] = {}
        self.by_name: dict[tuple[str, str], list[KnownPerson]] = {}
        query = select(
            PERSON.id, PERSON.civility, PERSON.first_name, PERSON.last_name, PERSON.birth_on
        ).order_by(PERSON.id)  # the oldest record wins when duplicates exist
        for values in db.session.execute(query):
            known = KnownPerson(*values)
            self.known[known.id] = known
            name = (fold_cached(known.last_name), fold_cached(known.first_name))
            self.by_identity.setdefault((*name, known.birth_on), known.id)
            self.by_name.setdefault(name, []).append(known)
        self._holders: set[tuple[int, int]] | None = None
        self.completed: dict[int, date] = {}

    def holders(self) -> set[tuple[int, int]]:
        """(person, body) pairs of every mandate, past or present, in bodies of the file's kind."""
        if self._holders is None:
            column = MANDATE[KIND_BODY_ATTRIBUTE[self.kind]]
            query = select(MANDATE.person_id, column).where(column.is_not(None)).distinct()
            self._holders = {(person_id, body_id) for person_id, body_id in db.session.execute(query)}
        return self._holders

    def match(self, last: str, first: str, birth_on: date | None, body_id: int) -> int | None:
        if birth_on is not None:
            found = self.by_identity.get((last, first, birth_on))
            if found is not None:
                return found
        candidates = self.by_name.get((last, first))
        if not candidates:
            return None
        holders = self.holders()
        for person in candidates:
            if (person.id, body_id) not in holders:
                continue
            if birth_on is None:
                return person.id  # no birth date in the file: the same name in the same body
            if person.birth_on is None and person.id not in self.completed:
                # Entered by hand without a birth date: the RNE completes it (once: a second
                # homonym with another birth date is another person).
                self.completed[person.id] = birth_on
                return person.id
        return None
