"""`flask demo load`: fictional élus over the real Lozère territory."""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy import func, select

from concertation.demo import load_demo
from concertation.demo.data import DEMO_NOTE, IDN_EMAIL
from concertation.extensions import db
from concertation.people.models import Mandate, Person, Role
from concertation.territory.models import Commune, Intercommunality, Sector, Syndicate


def _count_role(role: Role) -> int:
    return db.session.scalar(select(func.count()).select_from(Mandate).where(Mandate.role == role)) or 0


def _run_cli(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_load_builds_marked_fictional_elus(app: Flask, lozere: None) -> None:
    output = _run_cli(app)
    assert "personnes fictives" in output

    assert _count_role(Role.MAIRE) == 152
    assert _count_role(Role.PRESIDENT_EPCI) == 11
    assert _count_role(Role.CONSEILLER_DEPARTEMENTAL) == 26
    assert _count_role(Role.PRESIDENT_CONSEIL_DEPARTEMENTAL) == 1
    assert _count_role(Role.MAIRE_DELEGUE) >= 3
    assert _count_role(Role.VICE_PRESIDENT_EPCI) >= 3
    assert 3 <= _count_role(Role.PRESIDENT_SYNDICAT) <= 4

    people = db.session.scalars(select(Person)).all()
    assert all(p.is_demo and p.notes == DEMO_NOTE for p in people)
    emails = [p.email for p in people if p.email]
    assert all(email.endswith("@example.org") for email in emails if email != IDN_EMAIL)
    assert len(emails) == len(set(emails))
    without = len(people) - len(emails)
    assert 0.04 * len(people) <= without <= 0.2 * len(people)

    # Every commune has exactly one maire; the mandates follow the 2026 and 2021 elections.
    mayor_communes = db.session.scalars(select(Mandate.commune_id).where(Mandate.role == Role.MAIRE)).all()
    assert len(set(mayor_communes)) == 152
    for mandate in db.session.scalars(select(Mandate)):
        expected = "2021-07-01" if mandate.canton_id or mandate.role.startswith("president_conseil") else None
        assert mandate.starts_on is not None and mandate.ends_on is None
        assert mandate.starts_on.isoformat() == (expected or "2026-03-22")

    # Each canton has a man and a woman.
    pairs = db.session.execute(
        select(Mandate.canton_id, Person.civility)
        .join(Person)
        .where(Mandate.role == Role.CONSEILLER_DEPARTEMENTAL)
    ).all()
    assert sorted(civility for canton, civility in pairs if canton == pairs[0][0]) == ["M.", "Mme"]


def test_demo_has_people_with_several_mandates(app: Flask, lozere: None) -> None:
    load_demo()
    db.session.commit()
    marvejols = db.session.scalar(select(Commune).where(Commune.insee_code == "48092"))
    gevaudan = db.session.scalar(select(Intercommunality).where(Intercommunality.siren == "244800470"))
    mayor = db.session.scalar(
        select(Person).join(Person.mandates).where(Mandate.role == Role.MAIRE, Mandate.commune == marvejols)
    )
    assert mayor is not None
    assert any(m.role == Role.PRESIDENT_EPCI and m.intercommunality == gevaudan for m in mayor.mandates)
    assert mayor.mandates[0].quality.startswith("Maire de Marvejols")

    sdee = db.session.scalar(select(Syndicate).where(Syndicate.name == "SDEE de la Lozère"))
    assert sdee is not None and len(sdee.members) >= 40
    syndicate_presidents = db.session.scalars(
        select(Person).join(Person.mandates).where(Mandate.role == Role.PRESIDENT_SYNDICAT)
    ).all()
    assert any(any(m.role == Role.MAIRE for m in p.mandates) for p in syndicate_presidents)
    assert any(all(m.role != Role.MAIRE for m in p.mandates) for p in syndicate_presidents)


def test_demo_load_is_deterministic_and_idempotent(app: Flask, lozere: None) -> None:
    _run_cli(app)
    first = sorted((p.first_name, p.last_name, p.email) for p in db.session.scalars(select(Person)))
    persons = len(first)
    mandates = db.session.scalar(select(func.count()).select_from(Mandate))

    output = _run_cli(app)
    assert "aucune donnée" in output
    assert db.session.scalar(select(func.count()).select_from(Person)) == persons
    assert db.session.scalar(select(func.count()).select_from(Mandate)) == mandates

    # Same seed, same people: wipe and load again.
    for person in db.session.scalars(select(Person)):
        db.session.delete(person)
    for syndicate in db.session.scalars(select(Syndicate)):
        db.session.delete(syndicate)
    db.session.commit()
    load_demo()
    db.session.commit()
    assert sorted((p.first_name, p.last_name, p.email) for p in db.session.scalars(select(Person))) == first


def test_demo_load_needs_the_territory(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code != 0
    assert "flask territory load" in result.output


def _mayor_of(insee: str) -> Person:
    mayor = db.session.scalar(
        select(Person)
        .join(Person.mandates)
        .join(Mandate.commune)
        .where(Mandate.role == Role.MAIRE, Commune.insee_code == insee)
    )
    assert mayor is not None, insee
    return mayor


def _epci_of(person: Person, role: Role) -> set[str]:
    return {m.intercommunality.siren for m in person.mandates if m.role == role and m.intercommunality}


def test_demo_has_the_awkwardness_of_real_data(app: Flask, lozere: None) -> None:
    """What real élus bring and random names never would, on the main path (the CC du Gévaudan)."""
    load_demo()
    db.session.commit()
    people = db.session.scalars(select(Person)).all()
    gevaudan = "244800470"

    # An internationalised domain (its local part ASCII), for a maire of the CC du Gévaudan.
    idn = [p for p in people if p.email == IDN_EMAIL]
    assert len(idn) == 1 and not IDN_EMAIL.isascii() and IDN_EMAIL.split("@")[0].isascii()
    assert idn[0] is _mayor_of("48005")
    # Apostrophes (in a name and in an address), a particle, a ligature, diacritics.
    names = {p.last_name: p for p in people}
    assert names["D'ESTAING"].email == "helene.d'estaing@example.org"
    assert names["O'Neill"].email is None and names["O'Neill"] is _mayor_of("48072")
    assert names["de La Rochefoucauld"].first_name == "Marie-Thérèse"
    assert "Œ" in names["BŒUF-SÉGUIN"].last_name and names["BŒUF-SÉGUIN"].first_name == "Anaïs"
    for last in ("D'ESTAING", "O'Neill", "de La Rochefoucauld", "BŒUF-SÉGUIN"):
        assert any(
            m.commune and m.commune.insee_code in {"48032", "48072", "48068", "48124"}
            for m in names[last].mandates
        ), last

    # Two homonyms, maires of communes of two different sectors.
    martins = [p for p in people if (p.civility, p.first_name, p.last_name) == ("M.", "Jean", "MARTIN")]
    assert sorted(m.commune.insee_code for p in martins for m in p.mandates if m.commune) == [
        "48111",
        "48165",
    ]
    assert len({p.email for p in martins}) == 2

    # Élus without email (invited on paper), some of them in the CC du Gévaudan.
    assert sum(p.email is None for p in people) >= 10

    # A maire who presides a CC and a syndicate.
    marvejols = _mayor_of("48092")
    assert _epci_of(marvejols, Role.PRESIDENT_EPCI) == {gevaudan}
    assert any(m.role == Role.PRESIDENT_SYNDICAT and m.syndicate for m in marvejols.mandates)

    # Syndicates without SIREN.
    assert db.session.scalars(select(Syndicate).where(Syndicate.siren.is_(None))).first() is not None

    # Le Rozier: a Lozère commune of an Aveyron CC, attached to the Florac sector, with its maire.
    rozier = db.session.scalar(select(Commune).where(Commune.insee_code == "48131"))
    assert rozier is not None and rozier.name == "Le Rozier"
    millau = db.session.scalar(select(Intercommunality).where(Intercommunality.siren == "241200567"))
    assert millau is not None and rozier in millau.communes_on(date(2027, 1, 1))
    florac = db.session.scalar(select(Sector).join(Sector.town).where(Commune.insee_code == "48061"))
    assert florac is not None and rozier in florac.extra_communes
    assert _mayor_of("48131").is_demo
    # Millau Grands Causses is presided by someone who is not a Lozère maire.
    president = db.session.scalar(
        select(Person)
        .join(Person.mandates)
        .where(Mandate.role == Role.PRESIDENT_EPCI, Mandate.intercommunality == millau)
    )
    assert president is not None and all(m.role != Role.MAIRE for m in president.mandates)


def test_demo_meetings_link_the_gevaudan_concertation_to_its_contract(app: Flask, lozere: None) -> None:
    from concertation.contracts.demo import load_demo_contracts
    from concertation.demo.meetings import load_demo_meetings
    from concertation.meetings.contracts import contracts_covered
    from concertation.meetings.models import Meeting, MeetingKind

    load_demo_contracts()
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["demo", "meetings"])
    assert result.exit_code == 0 and "ajoutées : 2" in result.output, result.output
    concertation = db.session.scalars(select(Meeting).where(Meeting.kind == MeetingKind.CONCERTATION)).one()
    assert concertation.contract is not None and concertation.contract.intercommunality.siren == "244800470"
    rendez_vous = db.session.scalars(select(Meeting).where(Meeting.kind == MeetingKind.RENDEZ_VOUS)).one()
    assert rendez_vous.sector is not None
    sector_ccs = {epci.id for epci in rendez_vous.sector.intercommunalities}
    covered = contracts_covered(rendez_vous)
    assert covered and {c.intercommunality_id for c in covered} <= sector_ccs
    assert load_demo_meetings() == []  # run twice, nothing added
