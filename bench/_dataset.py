"""Shared helpers of bench/composition.py and bench/send.py: the database, the timer and the datasets.

- `bench_app()`: an app from the factory on a fresh database built by the migrations (a temporary SQLite
  file, or a private PostgreSQL database next to the one BENCH_DATABASE_URL names, dropped afterwards);
- `median_time()`: perf_counter timings of an action, a set-up step (not timed) before each run;
- `lozere_elus()`: fictional mandates on the real Lozère territory (load_lozere);
- `synthetic_departement()`: a département 10x larger than Lozère, with 15,000 mandates;
- `convocation_territory()`: one intercommunality whose communes' maires make a 1,000-person list.

Every dataset is deterministic (seeded) and written with bulk INSERTs, so set-up stays a few seconds.
"""

from __future__ import annotations

import gc
import os
import random
import socket
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, insert, make_url, select, text

from concertation import create_app
from concertation.extensions import db
from concertation.people.models import Mandate, MandateSource, Person, Role
from concertation.territory.models import (
    Canton,
    Commune,
    Intercommunality,
    IntercommunalityMembership,
    Sector,
    Syndicate,
    SyndicateMember,
    canton_communes,
    sector_communes,
    sector_intercommunalities,
)
from config import TestConfig

# The 2026 municipal elections; the previous municipal term ended the day before.
TERM_STARTS_ON = date(2026, 3, 22)
PREVIOUS_TERM = (date(2020, 5, 25), date(2026, 3, 21))
# The départementales of 2021, until those of 2028.
DEPARTEMENTAL_TERM = (date(2021, 7, 1), date(2028, 3, 31))
# The map of intercommunalities of the synthetic département, and the earlier one some communes left.
MAP_STARTS_ON = date(2017, 1, 1)

LAST_NAMES = (
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent",
    "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard",
    "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Faure", "André", "Mercier",
    "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia", "Astruc",
    "Boulet", "Chabert", "Malaval", "Pantel", "Rouvière", "Bonnal", "Velay", "Brun", "Servière", "Hermet",
)  # fmt: skip
FIRST_NAMES = (
    ("M.", "Jean"), ("M.", "Pierre"), ("M.", "Michel"), ("M.", "André"), ("M.", "Philippe"), ("M.", "Louis"),
    ("M.", "Alain"), ("M.", "Jacques"), ("M.", "Bernard"), ("M.", "Jérôme"), ("M.", "François"),
    ("Mme", "Marie"), ("Mme", "Hélène"), ("Mme", "Nathalie"), ("Mme", "Isabelle"), ("Mme", "Sylvie"),
    ("Mme", "Catherine"), ("Mme", "Françoise"), ("Mme", "Christine"), ("Mme", "Anne"), ("Mme", "Sophie"),
)  # fmt: skip


# ---------------------------------------------------------------------------------------------- database


def _private_postgres(url: str, stack: ExitStack) -> str:
    """A throw-away database next to the one `url` names (as tests/conftest.py does), dropped on exit."""
    base = make_url(url)
    if base.drivername in ("postgresql", "postgres"):
        base = base.set(drivername="postgresql+psycopg")
    name = f"concertation_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    stack.callback(drop)
    return base.set(database=name).render_as_string(hide_password=False)


@contextmanager
def bench_app(prefix: str, **overrides: Any) -> Iterator[Flask]:
    """An app from the factory on an empty database whose schema comes from the migrations.

    SQLite in a temporary directory by default; PostgreSQL when BENCH_DATABASE_URL is set.
    The app context is not pushed: the caller does `with app.app_context():`.
    """
    from flask_migrate import upgrade

    with tempfile.TemporaryDirectory(prefix=prefix) as tmp, ExitStack() as stack:
        server = os.environ.get("BENCH_DATABASE_URL")
        url = _private_postgres(server, stack) if server else f"sqlite:///{tmp}/bench.db"
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, INSTANCE_PATH=tmp, **overrides)
        with app.app_context():
            upgrade()
        try:
            yield app
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def dialect_name() -> str:
    return db.engine.dialect.name


def analyze() -> None:
    """Refresh PostgreSQL's planner statistics after a bulk load, as autovacuum would on a live database.

    Without them the planner guesses on freshly filled tables (badly, for joins over CTEs). SQLite keeps
    no statistics unless ANALYZE is run by hand, which the project does not do: it is left as is.
    """
    if dialect_name() == "postgresql":
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def median_time(
    action: Callable[[], object], before: Callable[[], object] = lambda: None, *, repeat: int
) -> tuple[float, list[float]]:
    """Median and list of `repeat` timings of `action`; `before` runs untimed ahead of each."""
    timings = []
    for _ in range(repeat):
        before()
        gc.collect()
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), timings


def compare(
    project: Callable[[], object],
    baseline: Callable[[], object],
    before: Callable[[], object] = lambda: None,
    *,
    repeat: int,
) -> tuple[tuple[float, list[float]], tuple[float, list[float]]]:
    """Median timings of project and baseline, run alternately so that both see the same machine load."""
    project_runs: list[float] = []
    baseline_runs: list[float] = []
    for _ in range(repeat):
        for action, runs in ((project, project_runs), (baseline, baseline_runs)):
            before()
            gc.collect()
            start = time.perf_counter()
            action()
            runs.append(time.perf_counter() - start)
    return (statistics.median(project_runs), project_runs), (statistics.median(baseline_runs), baseline_runs)


# ------------------------------------------------------------------------------------------ bulk writing


@dataclass
class Writer:
    """Persons and mandates collected in memory, then written with two bulk INSERTs."""

    rng: random.Random
    persons: list[dict[str, Any]] = field(default_factory=list)
    mandates: list[dict[str, Any]] = field(default_factory=list)

    def person(self, *, email: bool = True) -> int:
        """A new person; returns its index in `persons` (its id once written)."""
        index = len(self.persons)
        civility, first_name = self.rng.choice(FIRST_NAMES)
        self.persons.append(
            {
                "civility": civility,
                "first_name": first_name,
                "last_name": f"{self.rng.choice(LAST_NAMES)}-{index}",
                "email": f"elu{index}@example.org" if email else None,
                "is_demo": False,
            }
        )
        return index

    def mandate(
        self,
        person: int,
        role: Role,
        *,
        commune: int | None = None,
        intercommunality: int | None = None,
        canton: int | None = None,
        syndicate: int | None = None,
        term: tuple[date | None, date | None] = (TERM_STARTS_ON, None),
    ) -> None:
        self.mandates.append(
            {
                "person": person,
                "role": role.value,
                "commune_id": commune,
                "intercommunality_id": intercommunality,
                "canton_id": canton,
                "syndicate_id": syndicate,
                "starts_on": term[0],
                "ends_on": term[1],
                "source": MandateSource.MANUAL.value,
                "function_label": "",
            }
        )

    def write(self) -> tuple[int, int]:
        """Insert everything collected; returns (persons, mandates) written."""
        ids = list(
            db.session.scalars(
                insert(Person).returning(Person.id, sort_by_parameter_order=True), self.persons
            )
        )
        rows = [{**m, "person_id": ids[m["person"]]} for m in self.mandates]
        for row in rows:
            del row["person"]
        if rows:
            db.session.execute(insert(Mandate), rows)
        return len(ids), len(rows)


def _insert_ids(model: type[Any], rows: list[dict[str, Any]]) -> list[int]:
    return list(db.session.scalars(insert(model).returning(model.id, sort_by_parameter_order=True), rows))


# ------------------------------------------------------------------------------------------------ Lozère


@dataclass(frozen=True)
class DatasetReport:
    communes: int
    intercommunalities: int
    cantons: int
    syndicates: int
    persons: int
    mandates: int


def lozere_elus(seed: int = 48) -> DatasetReport:
    """The shipped Lozère territory and fictional élus; the caller commits.

    Every commune gets a maire, 2 adjoints and 4 conseillers municipaux (2026 term) and, for a third of
    them, the maire of the previous term (ended 2026-03-21; sometimes the same person, re-elected).
    Each EPCI's président and 2 vice-présidents are maires of its communes; each canton has 2 conseillers
    départementaux, one in four also a maire; 6 syndicats of communes or EPCIs have présidents, some of them
    already maire and président d'EPCI (one person, three qualities).
    """
    from concertation.territory.importer import load_lozere

    load_lozere()
    db.session.flush()
    rng = random.Random(seed)
    writer = Writer(rng)
    communes = list(
        db.session.execute(
            select(Commune.id, Commune.population)
            .where(Commune.departement_code == "48")
            .order_by(Commune.id)
        )
    )
    maire_of: dict[int, int] = {}
    for commune_id, _population in communes:
        maire = writer.person(email=rng.random() > 0.05)
        maire_of[commune_id] = maire
        writer.mandate(maire, Role.MAIRE, commune=commune_id)
        for _ in range(2):
            writer.mandate(writer.person(), Role.ADJOINT, commune=commune_id)
        for _ in range(4):
            writer.mandate(
                writer.person(email=rng.random() > 0.3), Role.CONSEILLER_MUNICIPAL, commune=commune_id
            )
        if rng.random() < 0.33:
            previous = maire if rng.random() < 0.5 else writer.person()
            writer.mandate(previous, Role.MAIRE, commune=commune_id, term=PREVIOUS_TERM)

    members = db.session.execute(
        select(IntercommunalityMembership.intercommunality_id, Commune.id, Commune.population)
        .join(Commune, Commune.id == IntercommunalityMembership.commune_id)
        .where(Commune.departement_code == "48", IntercommunalityMembership.ends_on.is_(None))
        .order_by(IntercommunalityMembership.intercommunality_id, Commune.population.desc(), Commune.id)
    ).all()
    by_epci: dict[int, list[int]] = {}
    for epci_id, commune_id, _population in members:
        by_epci.setdefault(epci_id, []).append(commune_id)
    presidents: list[int] = []
    for epci_id, commune_ids in by_epci.items():
        president = maire_of[commune_ids[0]]  # the maire of the largest commune
        presidents.append(president)
        writer.mandate(president, Role.PRESIDENT_EPCI, intercommunality=epci_id)
        for commune_id in commune_ids[1:3]:
            writer.mandate(maire_of[commune_id], Role.VICE_PRESIDENT_EPCI, intercommunality=epci_id)

    canton_ids = list(db.session.scalars(select(Canton.id).order_by(Canton.code)))
    canton_members = db.session.execute(
        select(canton_communes.c.canton_id, canton_communes.c.commune_id)
    ).all()
    in_canton: dict[int, list[int]] = {}
    for canton_id, commune_id in canton_members:
        in_canton.setdefault(canton_id, []).append(commune_id)
    for index, canton_id in enumerate(canton_ids):
        for seat in range(2):
            if seat == 0 and index % 4 == 0:
                holder = maire_of[sorted(in_canton[canton_id])[0]]
            else:
                holder = writer.person()
            writer.mandate(holder, Role.CONSEILLER_DEPARTEMENTAL, canton=canton_id, term=DEPARTEMENTAL_TERM)

    epci_ids = sorted(by_epci)
    commune_ids = [c for c, _ in communes]
    syndicates = [
        ("Syndicat départemental d'énergies de la Lozère (bench)", [], epci_ids),
        ("Syndicat mixte Lozère numérique (bench)", [], epci_ids[::2]),
        ("Syndicat des eaux du Causse (bench)", rng.sample(commune_ids, 12), []),
        ("SICTOM des Hauts Plateaux (bench)", rng.sample(commune_ids, 25), []),
        ("Syndicat mixte du bassin du Lot (bench)", rng.sample(commune_ids, 30), epci_ids[:2]),
        ("Syndicat intercommunal scolaire (bench)", rng.sample(commune_ids, 4), []),
    ]
    syndicate_ids = _insert_ids(Syndicate, [{"name": name, "purpose": ""} for name, _, _ in syndicates])
    member_rows: list[dict[str, Any]] = []
    for syndicate_id, (_, member_communes, member_epcis) in zip(syndicate_ids, syndicates, strict=True):
        member_rows += [{"syndicate_id": syndicate_id, "commune_id": c} for c in member_communes]
        member_rows += [{"syndicate_id": syndicate_id, "intercommunality_id": e} for e in member_epcis]
    db.session.execute(insert(SyndicateMember), member_rows)
    for index, syndicate_id in enumerate(syndicate_ids):
        # Présidents 0 and 2 are already maire and président d'EPCI: three qualities for one person.
        holder = presidents[index] if index in (0, 2) else writer.person()
        writer.mandate(holder, Role.PRESIDENT_SYNDICAT, syndicate=syndicate_id)

    persons, mandates = writer.write()
    db.session.flush()
    return DatasetReport(len(communes), len(by_epci), len(canton_ids), len(syndicate_ids), persons, mandates)


# --------------------------------------------------------------------------------- synthetic département


@dataclass(frozen=True)
class SyntheticReport(DatasetReport):
    sector_town: str
    sector_intercommunalities: int


def synthetic_departement(
    *,
    communes: int = 1500,
    intercommunalities: int = 100,
    cantons: int = 150,
    syndicates: int = 60,
    sector_epcis: int = 10,
    code: str = "99",
    seed: int = 99,
) -> SyntheticReport:
    """A département 10x the size of Lozère, with about 15,000 mandates; the caller commits.

    Communes 99000-99999 then 9A000...; EPCIs of consecutive communes; cantons of ~10 consecutive
    communes (so they straddle EPCI boundaries), one commune in 50 split over two cantons; 5 % of the
    communes changed EPCI in 2017 (their older membership ended); syndicates of random communes or
    EPCIs. Mandates: per commune a maire, 1-3 adjoints and 3-7 conseillers municipaux; per EPCI a
    président and 4 vice-présidents (maires) and 20 conseillers communautaires (adjoints or conseillers
    municipaux); 2 conseillers départementaux per canton; a président per syndicate; 200 maires of the
    previous term. The sector of the first commune covers the first `sector_epcis` EPCIs
    and 3 single communes of other EPCIs.
    """
    rng = random.Random(seed)
    writer = Writer(rng)
    per_epci = communes // intercommunalities

    def insee(n: int) -> str:
        return f"{code}{n:03d}" if n < 1000 else f"{code[0]}{chr(ord('A') + n // 1000 - 1)}{n % 1000:03d}"

    commune_ids = _insert_ids(
        Commune,
        [
            {
                "insee_code": insee(n),
                "name": f"Commune synthétique {n}",
                "departement_code": code,
                "postal_codes": "",
                "population": rng.randint(40, 12000),
            }
            for n in range(communes)
        ],
    )
    epci_ids = _insert_ids(
        Intercommunality,
        [
            {
                "siren": f"9{code}{n:06d}",
                "name": f"CC synthétique {n}",
                "kind": "CC",
                "seat_commune_id": commune_ids[n * per_epci],
            }
            for n in range(intercommunalities)
        ],
    )
    epci_of = {c: epci_ids[min(i // per_epci, intercommunalities - 1)] for i, c in enumerate(commune_ids)}
    memberships = [
        {"intercommunality_id": e, "commune_id": c, "starts_on": MAP_STARTS_ON} for c, e in epci_of.items()
    ]
    for commune_id in rng.sample(commune_ids, len(commune_ids) // 20):
        former = rng.choice([e for e in epci_ids if e != epci_of[commune_id]])
        memberships.append(
            {
                "intercommunality_id": former,
                "commune_id": commune_id,
                "starts_on": date(2014, 1, 1),
                "ends_on": date(2016, 12, 31),
            }
        )
    db.session.execute(insert(IntercommunalityMembership), memberships)

    per_canton = -(-communes // cantons)
    canton_ids = _insert_ids(
        Canton,
        [{"code": f"{code}{n:02d}"[:5], "name": f"Canton synthétique {n}"} for n in range(cantons)],
    )
    canton_rows = [
        {"canton_id": canton_ids[min(i // per_canton, cantons - 1)], "commune_id": c}
        for i, c in enumerate(commune_ids)
    ]
    for i in range(25, communes, 50):  # a large commune split over two cantons
        other = canton_ids[min(i // per_canton + 1, cantons - 1)]
        if other != canton_rows[i]["canton_id"]:
            canton_rows.append({"canton_id": other, "commune_id": commune_ids[i]})
    db.session.execute(insert(canton_communes), canton_rows)

    maire_of: dict[int, int] = {}
    councillors_of: dict[int, list[int]] = {}
    for commune_id in commune_ids:
        maire = writer.person(email=rng.random() > 0.05)
        maire_of[commune_id] = maire
        writer.mandate(maire, Role.MAIRE, commune=commune_id)
        councillors = []
        for _ in range(rng.randint(1, 3)):
            adjoint = writer.person()
            councillors.append(adjoint)
            writer.mandate(adjoint, Role.ADJOINT, commune=commune_id)
        for _ in range(rng.randint(3, 7)):
            councillor = writer.person(email=rng.random() > 0.3)
            councillors.append(councillor)
            writer.mandate(councillor, Role.CONSEILLER_MUNICIPAL, commune=commune_id)
        councillors_of[commune_id] = councillors
    for commune_id in rng.sample(commune_ids, 200):
        writer.mandate(writer.person(), Role.MAIRE, commune=commune_id, term=PREVIOUS_TERM)

    for n, epci_id in enumerate(epci_ids):
        members = commune_ids[n * per_epci : (n + 1) * per_epci]
        writer.mandate(maire_of[members[0]], Role.PRESIDENT_EPCI, intercommunality=epci_id)
        for commune_id in members[1:5]:
            writer.mandate(maire_of[commune_id], Role.VICE_PRESIDENT_EPCI, intercommunality=epci_id)
        for _ in range(20):
            holder = rng.choice(councillors_of[rng.choice(members)])
            writer.mandate(holder, Role.CONSEILLER_COMMUNAUTAIRE, intercommunality=epci_id)

    for index, canton_id in enumerate(canton_ids):
        first = commune_ids[min(index * per_canton, communes - 1)]
        holders = [maire_of[first] if index % 3 == 0 else writer.person(), writer.person()]
        for holder in holders:
            writer.mandate(holder, Role.CONSEILLER_DEPARTEMENTAL, canton=canton_id, term=DEPARTEMENTAL_TERM)

    syndicate_ids = _insert_ids(
        Syndicate, [{"name": f"Syndicat synthétique {code}-{n}", "purpose": ""} for n in range(syndicates)]
    )
    member_rows: list[dict[str, Any]] = []
    for syndicate_id in syndicate_ids:
        if rng.random() < 0.3:
            member_rows += [
                {"syndicate_id": syndicate_id, "intercommunality_id": e}
                for e in rng.sample(epci_ids, rng.randint(1, 5))
            ]
        else:
            member_rows += [
                {"syndicate_id": syndicate_id, "commune_id": c}
                for c in rng.sample(commune_ids, rng.randint(3, 30))
            ]
        holder = maire_of[rng.choice(commune_ids)] if rng.random() < 0.5 else writer.person()
        writer.mandate(holder, Role.PRESIDENT_SYNDICAT, syndicate=syndicate_id)
    db.session.execute(insert(SyndicateMember), member_rows)

    town = commune_ids[0]
    sector_id = _insert_ids(Sector, [{"name": f"Secteur synthétique {code}", "town_id": town}])[0]
    db.session.execute(
        insert(sector_intercommunalities),
        [{"sector_id": sector_id, "intercommunality_id": e} for e in epci_ids[:sector_epcis]],
    )
    outside = commune_ids[sector_epcis * per_epci :]
    db.session.execute(
        insert(sector_communes), [{"sector_id": sector_id, "commune_id": c} for c in rng.sample(outside, 3)]
    )
    persons, mandates = writer.write()
    db.session.flush()
    return SyntheticReport(
        communes,
        intercommunalities,
        cantons,
        syndicates,
        persons,
        mandates,
        sector_town=insee(0),
        sector_intercommunalities=sector_epcis,
    )


# ------------------------------------------------------------------------------------------- convocation


def convocation_territory(invitees: int = 1000, *, siren: str = "998000001", seed: int = 1) -> str:
    """One intercommunality of `invitees` communes, each with a maire who has an @example.org address.

    A concertation on it invites exactly `invitees` persons (its président is also a maire).
    Returns the SIREN; the caller commits.
    """
    writer = Writer(random.Random(seed))
    commune_ids = _insert_ids(
        Commune,
        [
            {
                "insee_code": f"C{n:04d}",
                "name": f"Commune d'essai {n}",
                "departement_code": "98",
                "postal_codes": "",
            }
            for n in range(invitees)
        ],
    )
    epci_id = _insert_ids(Intercommunality, [{"siren": siren, "name": "CC du Banc d'Essai", "kind": "CC"}])[0]
    db.session.execute(
        insert(IntercommunalityMembership),
        [{"intercommunality_id": epci_id, "commune_id": c, "starts_on": MAP_STARTS_ON} for c in commune_ids],
    )
    for index, commune_id in enumerate(commune_ids):
        maire = writer.person(email=True)
        writer.mandate(maire, Role.MAIRE, commune=commune_id)
        if index == 0:
            writer.mandate(maire, Role.PRESIDENT_EPCI, intercommunality=epci_id)
    writer.write()
    db.session.flush()
    return siren
