"""Version counters: every commit that writes to a watched table increments its group, and nothing else."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import update

from concertation.accounts.models import UserRole
from concertation.accounts.services import create_user
from concertation.core import versions
from concertation.extensions import db
from concertation.meetings import listing
from concertation.people.models import Person
from tests.common import db as f

GROUP = listing.GROUP


def test_a_commit_through_the_unit_of_work_counts_once(app: Flask) -> None:
    before = versions.read(GROUP)
    assert before >= 0
    f.person("Un")
    f.person("Deux")
    db.session.flush()
    db.session.commit()
    assert versions.read(GROUP) == before + 1


def test_a_statement_run_by_the_session_counts(app: Flask) -> None:
    person = f.person("Avant")
    db.session.commit()
    before = versions.read(GROUP)
    db.session.execute(update(Person).where(Person.id == person.id).values(last_name="Après"))
    db.session.commit()
    assert versions.read(GROUP) == before + 1


def test_unwatched_tables_and_rollbacks_do_not_count(app: Flask) -> None:
    before = versions.read(GROUP)
    create_user("agent.versions@lozere.fr", "un mot de passe assez long", UserRole.LECTEUR)
    db.session.commit()
    assert versions.read(GROUP) == before
    f.person("Annulé")
    db.session.rollback()
    create_user("autre.versions@lozere.fr", "un mot de passe assez long", UserRole.LECTEUR)
    db.session.commit()
    assert versions.read(GROUP) == before


def test_a_group_without_its_row_reads_as_unknown(app: Flask) -> None:
    versions.watch("sans_ligne_de_version", "user")
    try:
        create_user("tierce.versions@lozere.fr", "un mot de passe assez long", UserRole.LECTEUR)
        db.session.commit()
        assert versions.read("sans_ligne_de_version") == -1
    finally:
        versions._WATCHED["user"].discard("sans_ligne_de_version")
