"""`flask demo load`: fictional élus over the real Lozère territory."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from concertation.demo import DEMO_NOTE, load_demo
from concertation.extensions import db
from concertation.people.models import Mandate, Person, Role
from concertation.territory.models import Commune, Intercommunality, Syndicate


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
    assert all(email.endswith("@example.org") for email in emails)
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
