"""What fuzzing sent to the CSV imports: a French message naming the line, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from concertation.extensions import db
from concertation.people.contacts import import_contacts
from concertation.people.exceptions import InvalidImportFile
from concertation.people.models import Mandate, Person
from concertation.people.rne import import_rne
from tests.common.rne import CD_HEADER, FIRST_TERM, MAIRES_HEADER, conseiller_departemental, maire, write_csv

pytestmark = pytest.mark.usefixtures("lozere")

HUGE_CELL = "x" * 140_000  # beyond the csv module's field size limit (131 072)


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_rne_cell_beyond_the_csv_limit(tmp_path: Path) -> None:
    rows = [FIRST_TERM[0], [*FIRST_TERM[1][:6], HUGE_CELL, *FIRST_TERM[1][7:]]]
    with pytest.raises(InvalidImportFile) as raised:
        import_rne(write_csv(tmp_path / "maires.csv", MAIRES_HEADER, rows))
    assert str(raised.value) == "Ligne 3 : ligne illisible : une cellule dépasse 131 072 caractères."
    assert (count(Person), count(Mandate)) == (0, 0)


def test_contacts_cell_beyond_the_csv_limit(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text(f"nom;prenom;email\nDURAND;Pierre;{HUGE_CELL}\n", encoding="utf-8")
    with pytest.raises(InvalidImportFile) as raised:
        import_contacts(path)
    assert str(raised.value) == "Ligne 2 : ligne illisible : une cellule dépasse 131 072 caractères."


@pytest.mark.parametrize("raw_id", ["²", "٣", "3a"])
def test_contacts_person_id_in_ascii_digits_only(tmp_path: Path, raw_id: str) -> None:
    """str.isdigit() accepts "²" and "٣", which int() refuses or reads as another number."""
    path = tmp_path / "contacts.csv"
    path.write_text(f"person_id;email\n{raw_id};elu@example.org\n", encoding="utf-8")
    with pytest.raises(InvalidImportFile) as raised:
        import_contacts(path)
    assert str(raised.value) == f"Ligne 2 : aucune personne n° « {raw_id} »."


@pytest.mark.parametrize(
    ("header", "row", "reason"),
    [
        (MAIRES_HEADER, maire("48092", "D" * 101, "Pierre"), "nom ou prénom de plus de 100 caractères."),
        (MAIRES_HEADER, maire("48092", "DURAND", "É" * 101), "nom ou prénom de plus de 100 caractères."),
        (
            CD_HEADER,
            conseiller_departemental("10", "CHAZE", "Laure", "04/04/1975", "Présidente " * 20),
            "libellé de la fonction de plus de 200 caractères.",
        ),
        (
            MAIRES_HEADER,
            maire("48092", "DURAND", "Pi\x00erre"),
            "caractère nul (U+0000) : la ligne est corrompue.",
        ),
    ],
)
def test_rne_values_the_database_cannot_hold(
    tmp_path: Path, header: list[str], row: list[str], reason: str
) -> None:
    """PostgreSQL refused them with a DataError in the middle of the bulk writes."""
    with pytest.raises(InvalidImportFile) as raised:
        import_rne(write_csv(tmp_path / "elus.csv", header, [row]))
    assert str(raised.value) == f"Ligne 2 : {reason}"
    assert (count(Person), count(Mandate)) == (0, 0)
