"""Factory functions: each test builds the data it needs."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

from sqlalchemy import select

from concertation.core.timeutils import PARIS
from concertation.extensions import db
from concertation.meetings.models import Meeting
from concertation.meetings.services import MeetingInput, create_meeting
from concertation.people.models import Mandate, MandateSource, Person, Role
from concertation.territory.models import Canton, Commune, Intercommunality, Syndicate, SyndicateMember

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


def commune(insee: str) -> Commune:
    found = db.session.scalar(select(Commune).where(Commune.insee_code == insee))
    assert found is not None, insee
    return found


def epci(siren: str) -> Intercommunality:
    found = db.session.scalar(select(Intercommunality).where(Intercommunality.siren == siren))
    assert found is not None, siren
    return found


def canton(code: str) -> Canton:
    found = db.session.scalar(select(Canton).where(Canton.code == code))
    assert found is not None, code
    return found


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


def syndicate(name: str, communes: list[str] = (), epcis: list[str] = ()) -> Syndicate:  # type: ignore[assignment]
    created = Syndicate(name=name, purpose="")
    created.members = [SyndicateMember(commune=commune(code)) for code in communes] + [
        SyndicateMember(intercommunality=epci(siren)) for siren in epcis
    ]
    db.session.add(created)
    db.session.flush()
    return created


def paris(year: int, month: int, day: int, hour: int = 14, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def meeting(
    kind: str = "concertation",
    *,
    siren: str | None = "244800470",
    town: str | None = None,
    starts_at: datetime | None = None,
    hours: int = 3,
    purpose: str | None = None,
    title: str = "Concertation",
    now: datetime | None = None,
) -> Meeting:
    start = starts_at or paris(2027, 3, 9)
    if kind == "rendez_vous":
        siren = None
    created = create_meeting(
        MeetingInput(
            kind=kind,
            title=title,
            starts_at=start,
            ends_at=start + timedelta(hours=hours),
            purpose=purpose if purpose is not None else ("diagnostic" if kind == "concertation" else ""),
            sector_town=town,
            intercommunality_siren=siren,
            location_name="Salle des fêtes",
            agenda=["Accueil", "Diagnostic du territoire"],
        ),
        None,
        now=now or paris(2026, 11, 1),
    )
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
