"""French name order (issue 12): one Python key and one SQL expression, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from concertation.core.text import sort_key
from concertation.extensions import db
from concertation.meetings.composition import compute_invitees
from concertation.people.models import Person, Role, person_order
from concertation.people.services import DirectoryFilters, directory_statement, mandates_in
from concertation.territory.queries import all_syndicates
from tests.common import db as f

GEVAUDAN = "244800470"
NAMES = ["Bourgs", "Saint-Germain", "bédouès", "Saint-Étienne", "Émile", "Ours"]
FRENCH_ORDER = ["bédouès", "Bourgs", "Émile", "Ours", "Saint-Étienne", "Saint-Germain"]


def test_sort_key() -> None:
    assert sorted(NAMES, key=sort_key) == FRENCH_ORDER
    functions = ["2e vice-président", "10e vice-président", "1er vice-président"]
    assert sorted(functions, key=sort_key) == [
        "1er vice-président",
        "2e vice-président",
        "10e vice-président",
    ]
    assert sorted(["Mende-10", "Mende-2", "Mende", "Mende2"], key=sort_key) == [
        "Mende",
        "Mende2",
        "Mende-2",
        "Mende-10",
    ]
    assert sorted(["Œuvre", "Oeil", "Orne"], key=sort_key) == ["Oeil", "Œuvre", "Orne"]
    # Names equal once folded keep one order, whatever the input's.
    assert sorted(["le Rozier", "Le Rozier"], key=sort_key) == sorted(
        ["Le Rozier", "le Rozier"], key=sort_key
    )


def test_sql_order_of_persons(app: object) -> None:
    for name in reversed(NAMES):
        f.person(name, "Jean")
    db.session.commit()
    found = db.session.scalars(select(Person.last_name).order_by(*person_order())).all()
    assert found == FRENCH_ORDER
    directory = db.session.scalars(directory_statement(DirectoryFilters(), f.paris(2027, 1, 1).date())).all()
    assert [p.last_name for p in directory] == FRENCH_ORDER


def test_sql_order_of_syndicates(lozere: None) -> None:
    for name in (
        "Syndicat de Saint-Germain",
        "Syndicat de Saint-Étienne",
        "SIVU de Bourgs",
        "SIVU de Bédouès",
    ):
        f.syndicate(name, communes=["48092"])
    db.session.commit()
    assert [s.name for s in all_syndicates()] == [
        "SIVU de Bédouès",
        "SIVU de Bourgs",
        "Syndicat de Saint-Étienne",
        "Syndicat de Saint-Germain",
    ]


def test_invitee_list_and_vice_presidents_in_french_order(lozere: None) -> None:
    gevaudan = f.epci(GEVAUDAN)
    for name, commune, rank in (
        ("Bourgs", "48092", "2e vice-président"),
        ("Étienne", "48099", "1er vice-président"),
        ("Bédouès", "48103", "10e vice-président"),
    ):
        maire = f.person(name)
        f.mandate(maire, Role.MAIRE, f.commune(commune))
        f.mandate(maire, Role.VICE_PRESIDENT_EPCI, gevaudan).function_label = rank
    meeting = f.meeting("concertation", siren=GEVAUDAN)
    db.session.commit()
    assert [line.person.last_name for line in compute_invitees(meeting)] == ["Bédouès", "Bourgs", "Étienne"]
    vice_presidents = list(mandates_in("intercommunality", gevaudan.id, f.paris(2027, 1, 1).date()))
    assert [m.function_label for m in vice_presidents] == [
        "1er vice-président",
        "2e vice-président",
        "10e vice-président",
    ]
