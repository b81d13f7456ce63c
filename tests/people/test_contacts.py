"""Contacts CSV: emails and phones added to persons already imported."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from concertation.extensions import db
from concertation.people.contacts import import_contacts, normalise_phone
from concertation.people.exceptions import InvalidImportFile
from concertation.people.models import Person


@pytest.fixture()
def persons(app: object) -> dict[str, Person]:
    people = {
        "durand": Person(civility="M.", first_name="Pierre", last_name="DURAND", birth_on=date(1955, 2, 1)),
        "durand_fils": Person(
            civility="M.", first_name="Pierre", last_name="DURAND", birth_on=date(1981, 9, 9)
        ),
        "martin": Person(civility="Mme", first_name="Hélène", last_name="MARTIN", email="old@example.org"),
    }
    db.session.add_all(people.values())
    db.session.commit()
    return people


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "contacts.csv"
    path.write_bytes(text.encode(encoding))
    return path


def emails() -> dict[int, str | None]:
    db.session.rollback()
    return dict(db.session.execute(select(Person.id, Person.email)).all())


def test_contacts_import(persons: dict[str, Person], tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "nom;prenom;date_naissance;email;telephone\n"
        "Durand;Pierre;01/02/1955;pierre.durand@marvejols.FR;04.66.32.00.45\n"
        "durand;pierre;1981-09-09;;+33 (0)6 12 34 56 78\n"
        "Martin;Helene;;helene.martin@example.org;\n",
        encoding="utf-8-sig",
    )
    report = import_contacts(path)
    db.session.commit()
    assert (report.rows, report.updated_persons, report.unchanged) == (3, 3, 0)
    durand, fils, martin = (
        db.session.get(Person, persons[k].id) for k in ("durand", "durand_fils", "martin")
    )
    assert durand is not None and fils is not None and martin is not None
    assert (durand.email, durand.phone) == ("pierre.durand@marvejols.fr", "04 66 32 00 45")
    assert (fils.email, fils.phone) == (None, "06 12 34 56 78")
    assert (martin.email, martin.phone) == ("helene.martin@example.org", None)
    assert import_contacts(path).unchanged == 3  # idempotent


def test_person_id_column(persons: dict[str, Person], tmp_path: Path) -> None:
    fils = persons["durand_fils"].id
    path = write(tmp_path, f"person_id,email\n{fils},fils@example.org\n")
    import_contacts(path)
    db.session.commit()
    assert emails()[fils] == "fils@example.org"


def test_bad_email_names_its_line_and_writes_nothing(persons: dict[str, Person], tmp_path: Path) -> None:
    before = emails()
    path = write(
        tmp_path,
        "nom;prenom;date_naissance;email;telephone\n"
        "MARTIN;Hélène;;new@example.org;\n"
        "DURAND;Pierre;01/02/1955;pierre.durand@@marvejols.fr;\n",
    )
    with pytest.raises(InvalidImportFile) as raised:
        import_contacts(path)
    assert str(raised.value) == (
        "Ligne 3 : adresse électronique invalide : « pierre.durand@@marvejols.fr ». "
        "Exemple attendu : prenom.nom@mairie.fr."
    )
    assert emails() == before


def test_unknown_and_ambiguous_persons(persons: dict[str, Person], tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "nom;prenom;date_naissance;email;telephone\n"
        "DUPONT;Jean;;jean@example.org;\n"
        "DURAND;Pierre;;pierre@example.org;\n"
        "DURAND;Pierre;02/02/1955;pierre@example.org;\n"
        "MARTIN;Hélène;;;12 34\n",
    )
    with pytest.raises(InvalidImportFile) as raised:
        import_contacts(path)
    assert str(raised.value).splitlines() == [
        "Ligne 2 : personne inconnue « Jean DUPONT ».",
        "Ligne 3 : plusieurs personnes s'appellent « Pierre DURAND » : "
        "précisez la date de naissance ou le person_id.",
        "Ligne 4 : personne inconnue « Pierre DURAND » née ou né le 02/02/1955.",
        "Ligne 5 : numéro de téléphone invalide « 12 34 ».",
    ]


def test_missing_columns(app: object, tmp_path: Path) -> None:
    with pytest.raises(InvalidImportFile, match=r"^Ligne 1 : colonne « email » ou « telephone » attendue"):
        import_contacts(write(tmp_path, "nom;prenom;adresse\n"))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0466320045", "04 66 32 00 45"),
        ("+33 4 66 32 00 45", "04 66 32 00 45"),
        ("0033 (0)4 66 32 00 45", "04 66 32 00 45"),
        ("+32 470 12 34 56", "+32470123456"),
        ("4 66 32", None),
        ("courriel", None),
    ],
)
def test_normalise_phone(raw: str, expected: str | None) -> None:
    assert normalise_phone(raw) == expected


def test_accented_domain_is_kept_and_accents_before_the_at_sign_stop_the_import(
    persons: dict[str, Person], tmp_path: Path
) -> None:
    before = emails()
    path = write(
        tmp_path,
        "nom;prenom;date_naissance;email\n"
        "Durand;Pierre;01/02/1955;pierre.durand@Mairie-Lozère.fr\n"
        "Martin;Hélène;;hélène.martin@mairie-lozère.fr\n",
    )
    with pytest.raises(InvalidImportFile) as raised:
        import_contacts(path)
    message = str(raised.value)
    assert message.startswith("Ligne 3 : adresse électronique « hélène.martin@mairie-lozère.fr » :")
    assert "accentuées" in message and "Ligne 2" not in message
    assert emails() == before

    path = write(
        tmp_path, "nom;prenom;date_naissance;email\nDurand;Pierre;01/02/1955;p.durand@Mairie-Lozère.fr\n"
    )
    import_contacts(path)
    db.session.commit()
    assert emails()[persons["durand"].id] == "p.durand@mairie-lozère.fr"
