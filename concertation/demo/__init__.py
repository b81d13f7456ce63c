"""`flask demo load`: a clearly marked set of fictional élus for trying the service.

Every person is invented (seeded random names, @example.org addresses, `is_demo=True` and a note saying so);
only the territory (communes, intercommunalities, cantons) is real. The same database always gets the same
people, so that screenshots and bug reports can be reproduced.

A few maires carry on purpose what real data brings and random names never would (`data.AWKWARD_MAYORS`): an
internationalised domain, apostrophes, particles and ligatures, two homonyms, a maire without email; and
one maire presides a CC and a syndicate. `make run` and the browser tests meet them on the main path.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from concertation.core.text import fold
from concertation.core.timeutils import today_paris
from concertation.demo.data import (
    AWKWARD_MAYORS,
    DEMO_DOMAIN,
    DEMO_NOTE,
    DEPARTEMENT_ADDRESS,
    DEPARTMENTAL_START,
    FEMALE_MAYOR_RATE,
    MAYOR_COUNCILLOR_CANTONS,
    MEN,
    MUNICIPAL_START,
    NO_EMAIL_RATE,
    PRESIDENT_CANTON,
    SEED,
    SURNAMES,
    WOMEN,
    demo_syndicates,
)
from concertation.extensions import db
from concertation.people.models import ROLE_BODY, Mandate, Person, Role, describe_quality
from concertation.territory.models import (
    Canton,
    Commune,
    FormerCommune,
    Intercommunality,
    Syndicate,
    SyndicateMember,
)

# The bodies a mandate is held in.
Body = Commune | Intercommunality | Canton | Syndicate

demo_cli = AppGroup("demo", help="Données de démonstration (élus fictifs).")


class DemoError(Exception):
    """The demo data cannot be built (e.g. the territory is not loaded); `str(error)` is for the user."""


@dataclass
class DemoReport:
    """What `load_demo` created."""

    persons: int = 0
    mandates: int = 0
    syndicates: int = 0
    without_email: int = 0

    def summary(self) -> str:
        return (
            f"{self.persons} personnes fictives ({self.without_email} sans courriel), "
            f"{self.mandates} mandats, {self.syndicates} syndicats"
        )


@dataclass
class DemoBuilder:
    """Draws fictional identities from a seeded generator and records what it created."""

    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    report: DemoReport = field(default_factory=DemoReport)
    used_names: set[tuple[str, str]] = field(default_factory=set)
    used_emails: set[str] = field(default_factory=set)

    def person(self, *, feminine: bool, address: str) -> Person:
        """A new fictional person; about one in ten has no email and must be invited on paper."""
        while True:
            first = self.rng.choice(WOMEN if feminine else MEN)
            last = self.rng.choice(SURNAMES)
            if (first, last) not in self.used_names:
                break
        self.used_names.add((first, last))
        birth = date(1948, 1, 1) + timedelta(days=self.rng.randrange(45 * 365))
        email = None if self.rng.random() < NO_EMAIL_RATE else self._email(first, last)
        person = Person(
            civility="Mme" if feminine else "M.",
            first_name=first,
            last_name=last.upper(),
            birth_on=birth,
            email=email,
            postal_address=address,
            notes=DEMO_NOTE,
            is_demo=True,
        )
        db.session.add(person)
        self.report.persons += 1
        self.report.without_email += email is None
        return person

    def _email(self, first: str, last: str) -> str:
        local = re.sub(r"[^a-z0-9.]+", "-", f"{fold(first)}.{fold(last)}").strip("-")
        candidate, n = f"{local}@{DEMO_DOMAIN}", 1
        while candidate in self.used_emails:
            n += 1
            candidate = f"{local}{n}@{DEMO_DOMAIN}"
        self.used_emails.add(candidate)
        return candidate

    def mandate(
        self,
        person: Person,
        role: Role,
        label: str,
        body: Body | None = None,
        *,
        starts_on: date = MUNICIPAL_START,
    ) -> Mandate:
        """A mandate held in `body`, of the kind the role calls for (`ROLE_BODY`: none for some roles)."""
        kind = ROLE_BODY[role]
        if (kind is None) != (body is None):
            raise ValueError(f"{role}: held in {kind or 'no body'}, not in {body!r}")
        mandate = Mandate(
            role=role, function_label=label, starts_on=starts_on, **({kind: body} if kind is not None else {})
        )
        person.mandates.append(mandate)
        self.report.mandates += 1
        return mandate


def feminine(person: Person) -> bool:
    return person.civility == "Mme"


def _fem(person: Person, masculine: str, feminine_form: str) -> str:
    return feminine_form if feminine(person) else masculine


def _mairie_address(commune: Commune, office: str = "Mairie") -> str:
    postal_code = commune.postal_codes.split(",")[0] if commune.postal_codes else ""
    return f"{office}\n{postal_code} {commune.name}".strip()


def _ordinal(rank: int, person: Person) -> str:
    if rank == 1:
        return _fem(person, "1er vice-président", "1re vice-présidente")
    return _fem(person, f"{rank}e vice-président", f"{rank}e vice-présidente")


def build_mayors(builder: DemoBuilder, communes: Sequence[Commune]) -> dict[str, Person]:
    """One maire per commune, keyed by INSEE code."""
    mayors: dict[str, Person] = {}
    for commune in communes:
        person = builder.person(
            feminine=builder.rng.random() < FEMALE_MAYOR_RATE, address=_mairie_address(commune)
        )
        builder.mandate(person, Role.MAIRE, "Maire", commune)
        mayors[commune.insee_code] = person
    return mayors


def build_intercommunal(
    builder: DemoBuilder, epcis: Sequence[Intercommunality], mayors: dict[str, Person], on: date
) -> None:
    """A président per EPCI (the maire of its largest commune) and two vice-présidents.

    An EPCI whose population is mostly outside the Lozère (Millau Grands Causses) is presided by someone
    who is not a Lozère maire.
    """
    for epci in epcis:
        members = sorted(epci.communes_on(on), key=lambda c: (-(c.population or 0), c.insee_code))
        local_population = sum(c.population or 0 for c in members)
        if not members or (epci.population and local_population * 2 < epci.population):
            president = builder.person(feminine=False, address=f"Siège de la {epci.name}")
            vice_presidents = [mayors[c.insee_code] for c in members[:1]]
        else:
            president = mayors[members[0].insee_code]
            vice_presidents = [mayors[c.insee_code] for c in members[1:3]]
        builder.mandate(
            president,
            Role.PRESIDENT_EPCI,
            _fem(president, "Président du conseil communautaire", "Présidente du conseil communautaire"),
            epci,
        )
        for rank, person in enumerate(vice_presidents, start=1):
            builder.mandate(person, Role.VICE_PRESIDENT_EPCI, _ordinal(rank, person), epci)


def build_departmental(builder: DemoBuilder, cantons: Sequence[Canton], mayors: dict[str, Person]) -> None:
    """A man and a woman per canton, one of them président du Conseil départemental."""
    for canton in cantons:
        pair: list[Person] = []
        seat_mayor = mayors.get(canton.seat_insee_code or "")
        for is_woman in (False, True):
            if (
                canton.code in MAYOR_COUNCILLOR_CANTONS
                and seat_mayor is not None
                and feminine(seat_mayor) == is_woman
            ):
                person = seat_mayor
            else:
                person = builder.person(feminine=is_woman, address=DEPARTEMENT_ADDRESS)
            label = _fem(person, "Conseiller départemental", "Conseillère départementale")
            builder.mandate(
                person, Role.CONSEILLER_DEPARTEMENTAL, label, canton, starts_on=DEPARTMENTAL_START
            )
            pair.append(person)
        if canton.code == PRESIDENT_CANTON:
            president = pair[1]
            builder.mandate(
                president,
                Role.PRESIDENT_CONSEIL_DEPARTEMENTAL,
                _fem(president, "Président du conseil départemental", "Présidente du conseil départemental"),
                starts_on=DEPARTMENTAL_START,
            )


def build_syndicates(
    builder: DemoBuilder,
    communes: dict[str, Commune],
    epcis: dict[str, Intercommunality],
    mayors: dict[str, Person],
) -> None:
    """Create (or reuse, by name) the demo syndicates and give each a président."""
    for spec in demo_syndicates(list(communes.values())):
        syndicate = db.session.scalar(select(Syndicate).where(Syndicate.name == spec.name))
        if syndicate is None:
            syndicate = Syndicate(name=spec.name, purpose=spec.purpose)
            syndicate.members = [
                SyndicateMember(commune=communes[code]) for code in spec.communes if code in communes
            ] + [SyndicateMember(intercommunality=epcis[siren]) for siren in spec.epcis if siren in epcis]
            db.session.add(syndicate)
            builder.report.syndicates += 1
        if spec.president_mayor_of in mayors:
            president = mayors[spec.president_mayor_of]
        else:
            home = communes[spec.president_councillor_of]
            president = builder.person(
                feminine=builder.rng.random() < 0.5, address=_mairie_address(home, "Mairie (syndicat)")
            )
            builder.mandate(
                president,
                Role.CONSEILLER_MUNICIPAL,
                _fem(president, "Conseiller municipal", "Conseillère municipale"),
                home,
            )
        builder.mandate(
            president,
            Role.PRESIDENT_SYNDICAT,
            _fem(president, "Président du syndicat", "Présidente du syndicat"),
            syndicate,
        )


def build_delegate_mayors(builder: DemoBuilder, former: Sequence[FormerCommune]) -> None:
    """Maires délégués for a spread of communes déléguées whose name differs from the commune nouvelle."""
    candidates = [
        f
        for f in sorted(former, key=lambda f: f.insee_code)
        if f.kind == "commune-deleguee" and f.name != f.commune.name
    ]
    for item in candidates[::6]:
        person = builder.person(
            feminine=builder.rng.random() < FEMALE_MAYOR_RATE,
            address=_mairie_address(item.commune, f"Mairie déléguée de {item.name}"),
        )
        label = describe_quality(Role.MAIRE_DELEGUE, item.name, person.civility)
        builder.mandate(person, Role.MAIRE_DELEGUE, label, item.commune)


def build_awkward_mayors(builder: DemoBuilder, mayors: dict[str, Person]) -> None:
    """Give a few maires the identities of `AWKWARD_MAYORS` (after the draws: the others stay the same)."""
    for spec in AWKWARD_MAYORS:
        person = mayors.get(spec.insee)
        if person is None:
            continue
        assert all(m.role == Role.MAIRE for m in person.mandates), spec.insee
        builder.report.without_email -= person.email is None
        person.civility, person.first_name, person.last_name = spec.civility, spec.first_name, spec.last_name
        if spec.email == "":
            person.email = builder._email(spec.first_name, spec.last_name)
        else:
            person.email = spec.email
        builder.report.without_email += person.email is None


def has_people() -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(Person)))


def load_demo(on: date | None = None) -> DemoReport | None:
    """Add the fictional élus when the database has no person at all; None when it did nothing.

    Needs the territory (`flask territory load`). The caller commits.
    """
    if has_people():
        return None
    communes = list(db.session.scalars(select(Commune).order_by(Commune.insee_code)))
    if not communes:
        raise DemoError("Aucune commune : chargez d'abord le référentiel (flask territory load).")
    epcis = list(db.session.scalars(select(Intercommunality).order_by(Intercommunality.siren)))
    cantons = list(db.session.scalars(select(Canton).order_by(Canton.code)))
    former = list(db.session.scalars(select(FormerCommune)))
    builder = DemoBuilder()
    mayors = build_mayors(builder, communes)
    build_awkward_mayors(builder, mayors)
    build_intercommunal(builder, epcis, mayors, on or today_paris())
    build_departmental(builder, cantons, mayors)
    build_syndicates(builder, {c.insee_code: c for c in communes}, {e.siren: e for e in epcis}, mayors)
    build_delegate_mayors(builder, former)
    db.session.flush()
    return builder.report


@demo_cli.command("load")
def load() -> None:
    """Load the fictional élus, only into a database that has no person yet."""
    try:
        report = load_demo()
    except DemoError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    if report is None:
        click.echo("Des personnes existent déjà : aucune donnée de démonstration chargée.")
        return
    db.session.commit()
    click.echo(f"Démonstration : {report.summary()} ({DEMO_NOTE.lower()}).")


@demo_cli.command("meetings")
def meetings() -> None:
    """Add the demo meetings: the Gévaudan concertation (linked to its contract), the Mende Rendez-vous."""
    from concertation.demo.meetings import load_demo_meetings

    created = load_demo_meetings()
    db.session.commit()
    click.echo(f"Réunions de démonstration ajoutées : {len(created)}.")
