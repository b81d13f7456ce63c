"""RNE import on the real Lozère territory, with files written with the exact RNE headers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from concertation.extensions import db
from concertation.people.exceptions import InvalidImportFile
from concertation.people.models import Mandate, MandateSource, Person, Role
from concertation.people.rne import RneFileKind, import_rne, roles_of
from concertation.territory.models import Canton, Commune, Intercommunality
from tests.common.db.territory import GEVAUDAN
from tests.common.rne import (
    CD_HEADER,
    EPCI_HEADER,
    FIRST_TERM,
    MAIRES_HEADER,
    conseiller_communautaire,
    conseiller_departemental,
    count,
    maire,
    open_maires,
    write_csv,
)


def test_maires_import(lozere: None, tmp_path: Path) -> None:
    report = import_rne(write_csv(tmp_path / "elus-maires-mai.csv", MAIRES_HEADER, FIRST_TERM))
    db.session.commit()
    assert report.kind is RneFileKind.MAIRES
    assert (report.rows, report.skipped_rows, report.created_persons, len(report.opened)) == (6, 1, 5, 5)
    assert open_maires() == {
        "48092": "DURAND",
        "48099": "MARTIN",
        "48103": "BERNARD",
        "48005": "PETIT",
        "48032": "ROUX",
    }
    martin = db.session.scalars(select(Person).where(Person.last_name == "MARTIN")).one()
    assert (martin.civility, martin.first_name, martin.birth_on) == ("Mme", "Hélène", date(1962, 7, 14))
    (mandate,) = martin.mandates
    assert mandate.source == MandateSource.RNE
    assert mandate.starts_on == date(2020, 7, 3)
    assert mandate.quality == "Maire de Bourgs sur Colagne"


def test_reimport_is_idempotent(lozere: None, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "maires.csv", MAIRES_HEADER, FIRST_TERM)
    import_rne(path)
    db.session.commit()
    before = (count(Person), count(Mandate))
    again = import_rne(path, on=date(2026, 4, 1))
    db.session.commit()
    assert not again.has_changes
    assert again.unchanged == 5
    assert (count(Person), count(Mandate)) == before


def test_election_closes_old_maires_and_opens_new(lozere: None, tmp_path: Path) -> None:
    import_rne(write_csv(tmp_path / "2020.csv", MAIRES_HEADER, FIRST_TERM), on=date(2020, 7, 10))
    # A maire entered by hand on a commune the file covers: an import never closes it.
    mende = db.session.scalars(select(Commune).where(Commune.insee_code == "48095")).one()
    manual = Person(
        first_name="Laurent", last_name="SUAU", mandates=[Mandate(role=Role.MAIRE, commune=mende)]
    )
    db.session.add(manual)
    db.session.commit()

    second_term = [
        FIRST_TERM[0],  # re-elected, new function date
        maire("48099", "MARTIN", "Hélène", "14/07/1962", sex="F", starts="27/03/2026"),
        maire("48103", "BLANC", "Sophie", "08/08/1980", sex="F", starts="27/03/2026"),  # new maire
        maire("48005", "PETIT", "Anne", "05/05/1966", sex="F"),
        # 48032 Le Buisson disappeared (resignation not yet replaced)
        maire("48072", "ROUX", "Michel", "30/09/1958", starts="28/03/2026"),  # moved to Grèzes
    ]
    report = import_rne(write_csv(tmp_path / "2026.csv", MAIRES_HEADER, second_term), on=date(2026, 3, 30))
    db.session.commit()

    assert sorted((c.last_name, c.body) for c in report.opened) == [
        ("BLANC", "Montrodat"),
        ("ROUX", "Grèzes"),
    ]
    assert sorted((c.last_name, c.body) for c in report.closed) == [
        ("BERNARD", "Montrodat"),
        ("ROUX", "Le Buisson"),
    ]
    assert report.created_persons == 1  # BLANC; ROUX is the same person, in another commune
    assert report.unchanged == 3
    assert open_maires() == {
        "48092": "DURAND",
        "48099": "MARTIN",
        "48103": "BLANC",
        "48005": "PETIT",
        "48072": "ROUX",
        "48095": "SUAU",
    }
    # Montrodat's former maire ends the day before BLANC starts (no two maires on 27-29 March);
    # Le Buisson has no successor in the file: its maire ends on the import date.
    closed = db.session.execute(
        select(Commune.name, Mandate.ends_on)
        .join(Mandate, Mandate.commune_id == Commune.id)
        .where(Mandate.ends_on.is_not(None))
    )
    assert sorted(tuple(row) for row in closed) == [
        ("Le Buisson", date(2026, 3, 30)),
        ("Montrodat", date(2026, 3, 26)),
    ]
    # The re-elected maire keeps one mandate from her first term, so past meetings still find her.
    martin = db.session.scalars(select(Person).where(Person.last_name == "MARTIN")).one()
    assert [(m.starts_on, m.ends_on) for m in martin.mandates] == [(date(2020, 7, 3), None)]


def test_commune_file_with_functions_keeps_the_maires(lozere: None, tmp_path: Path) -> None:
    """The conseillers municipaux file names every function: only its maires are imported."""
    header = [*MAIRES_HEADER[:13], "Libellé de la fonction", MAIRES_HEADER[13]]
    rows = [
        [*maire("48092", "DURAND", "Pierre")[:13], "Maire", "03/07/2020"],
        [*maire("48092", "BLANC", "Sophie", sex="F")[:13], "Premier adjoint", "03/07/2020"],
        [*maire("48092", "ROUX", "Michel")[:13], "", ""],
    ]
    report = import_rne(write_csv(tmp_path / "elus-conseillers-municipaux-cm.csv", header, rows))
    assert (report.kind, report.other_functions, len(report.opened)) == (RneFileKind.MAIRES, 2, 1)
    assert report.summary().splitlines()[0].endswith(", 2 d'autres fonctions que maire.")
    db.session.commit()
    assert open_maires() == {"48092": "DURAND"}


def test_latin1_tab_separated(lozere: None, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "maires-2019.txt",
        MAIRES_HEADER,
        [maire("48099", "MARTIN", "Hélène", "14/07/1962", sex="F")],
        separator="\t",
        encoding="latin-1",
    )
    report = import_rne(path)
    db.session.commit()
    assert len(report.opened) == 1
    assert db.session.scalars(select(Person.first_name)).one() == "Hélène"


def test_bom_and_iso_dates(lozere: None, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "maires.csv",
        MAIRES_HEADER,
        [maire("48092", "DURAND", "Pierre", "1955-02-01", starts="2020-07-03")],
        encoding="utf-8-sig",
    )
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    report = import_rne(path)
    db.session.commit()
    assert report.kind is RneFileKind.MAIRES
    person = db.session.scalars(select(Person)).one()
    assert person.birth_on == date(1955, 2, 1)
    assert person.mandates[0].starts_on == date(2020, 7, 3)


def test_bad_date_names_its_line(lozere: None, tmp_path: Path) -> None:
    rows = [*FIRST_TERM[:4], maire("48032", "ROUX", "Michel", "31/02/1960")]
    with pytest.raises(InvalidImportFile) as raised:
        import_rne(write_csv(tmp_path / "maires.csv", MAIRES_HEADER, rows))
    assert str(raised.value) == "Ligne 6 : date de naissance invalide « 31/02/1960 »."
    assert count(Person) == 0


def test_every_bad_line_is_listed(lozere: None, tmp_path: Path) -> None:
    rows = [maire("48092", "", "Pierre"), FIRST_TERM[1], maire("48103", "BERNARD", "Jean", starts="3/7/20")]
    with pytest.raises(InvalidImportFile) as raised:
        import_rne(write_csv(tmp_path / "maires.csv", MAIRES_HEADER, rows))
    assert str(raised.value).splitlines() == [
        "Ligne 2 : nom de l'élu manquant.",
        "Ligne 4 : date de début de la fonction invalide « 3/7/20 ».",
    ]


def test_unknown_header(lozere: None, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", ["Nom", "Prénom", "Commune"], [["A", "B", "C"]])
    with pytest.raises(InvalidImportFile, match=r"^Ligne 1 : en-tête non reconnu"):
        import_rne(path)
    path = write_csv(tmp_path / "y.csv", [h for h in MAIRES_HEADER if h != "Date de naissance"], [])
    with pytest.raises(InvalidImportFile, match="« Date de naissance »"):
        import_rne(path)


def test_homonyms_with_different_birth_dates_stay_two_persons(lozere: None, tmp_path: Path) -> None:
    rows = [
        maire("48092", "DURAND", "Pierre", "01/02/1955"),
        maire("48099", "Durand", "PIERRE", "09/09/1981"),
    ]
    import_rne(write_csv(tmp_path / "maires.csv", MAIRES_HEADER, rows))
    db.session.commit()
    assert count(Person) == 2
    # Again with the spelling of the other line: still two persons, no new ones.
    import_rne(write_csv(tmp_path / "maires2.csv", MAIRES_HEADER, rows[::-1]))
    db.session.commit()
    assert count(Person) == 2


def test_without_birth_date_same_name_same_body_is_the_same_person(lozere: None, tmp_path: Path) -> None:
    rows = [maire("48092", "DURAND", "Pierre", ""), maire("48099", "DURAND", "Pierre", "")]
    import_rne(write_csv(tmp_path / "maires.csv", MAIRES_HEADER, rows))
    db.session.commit()
    assert count(Person) == 2  # two communes, no birth date: nothing says they are one person
    report = import_rne(write_csv(tmp_path / "maires.csv", MAIRES_HEADER, rows))
    assert (report.created_persons, report.unchanged) == (0, 2)


def test_birth_date_completes_a_person_entered_by_hand(lozere: None, tmp_path: Path) -> None:
    marvejols = db.session.scalars(select(Commune).where(Commune.insee_code == "48092")).one()
    manual = Person(
        first_name="Pierre", last_name="Durand", mandates=[Mandate(role=Role.MAIRE, commune=marvejols)]
    )
    db.session.add(manual)
    db.session.commit()
    report = import_rne(write_csv(tmp_path / "maires.csv", MAIRES_HEADER, FIRST_TERM[:1]))
    db.session.commit()
    assert (report.created_persons, report.completed_persons, report.unchanged) == (0, 1, 1)
    person = db.session.scalars(select(Person)).one()
    assert person.birth_on == date(1955, 2, 1)
    assert len(person.mandates) == 1  # the manual mandate stands for the RNE one


@pytest.mark.parametrize("mende_1", ["09", "4809"])
def test_departement_file(lozere: None, tmp_path: Path, mende_1: str) -> None:
    rows = [
        conseiller_departemental(mende_1, "ARNAUD", "Sophie", "02/02/1970"),
        conseiller_departemental(mende_1, "BRUN", "Paul", "03/03/1965", sex="M"),
        conseiller_departemental("10", "CHAZE", "Laure", "04/04/1975", "Présidente du conseil départemental"),
        conseiller_departemental("4810", "DELON", "Marc", "05/05/1960", "1er vice-président", sex="M"),
        ["12", "Aveyron", "1201", "", "ESTIVAL", "Jean", "M", "01/01/1950", "", "", "27/06/2021", "", ""],
    ]
    report = import_rne(write_csv(tmp_path / "elus-cd.csv", CD_HEADER, rows))
    db.session.commit()
    assert report.kind is RneFileKind.CONSEILLERS_DEPARTEMENTAUX
    assert report.skipped_rows == 1
    seats = db.session.execute(
        select(Canton.code, Person.last_name)
        .join(Mandate, Mandate.canton_id == Canton.id)
        .join(Person)
        .where(Mandate.role == Role.CONSEILLER_DEPARTEMENTAL)
        .order_by(Canton.code, Person.last_name)
    )
    assert [tuple(row) for row in seats] == [
        ("4809", "ARNAUD"),
        ("4809", "BRUN"),
        ("4810", "CHAZE"),
        ("4810", "DELON"),
    ]
    president = db.session.scalars(
        select(Mandate).where(Mandate.role == Role.PRESIDENT_CONSEIL_DEPARTEMENTAL)
    ).one()
    assert president.person.last_name == "CHAZE"
    assert president.canton_id is None and president.starts_on == date(2021, 7, 1)
    assert president.quality == "Présidente du Conseil départemental de la Lozère"
    seat = next(m for m in president.person.mandates if m.role == Role.CONSEILLER_DEPARTEMENTAL)
    assert seat.starts_on == date(2021, 6, 27)  # the seat dates from the election


def test_new_president_closes_the_former_presidency(lozere: None, tmp_path: Path) -> None:
    first = [
        conseiller_departemental("10", "CHAZE", "Laure", "04/04/1975", "Présidente du conseil départemental"),
        conseiller_departemental("10", "DELON", "Marc", "05/05/1960", "1er vice-président", sex="M"),
    ]
    import_rne(write_csv(tmp_path / "cd.csv", CD_HEADER, first))
    db.session.commit()
    second = [
        conseiller_departemental("10", "CHAZE", "Laure", "04/04/1975"),
        conseiller_departemental(
            "10", "DELON", "Marc", "05/05/1960", "Président du Conseil Départemental", sex="M"
        ),
    ]
    report = import_rne(write_csv(tmp_path / "cd2.csv", CD_HEADER, second), on=date(2026, 9, 1))
    db.session.commit()
    assert [(c.last_name, c.role) for c in report.closed] == [("CHAZE", Role.PRESIDENT_CONSEIL_DEPARTEMENTAL)]
    assert [(c.last_name, c.role) for c in report.opened] == [("DELON", Role.PRESIDENT_CONSEIL_DEPARTEMENTAL)]
    assert len(report.updated) == 2  # both seats keep going, with a new function label


def test_communautaires_file(lozere: None, tmp_path: Path) -> None:
    rows = [
        conseiller_communautaire(
            GEVAUDAN, "DURAND", "Pierre", "01/02/1955", "Président du conseil communautaire"
        ),
        conseiller_communautaire(GEVAUDAN, "MARTIN", "Hélène", "14/07/1962", "4eme Vice-Président"),
        conseiller_communautaire(GEVAUDAN, "BERNARD", "Jean", "22/10/1970", "5ème vice-présidente"),
        conseiller_communautaire(GEVAUDAN, "PETIT", "Anne", "05/05/1966"),
        conseiller_communautaire(
            "200066666", "INCONNU", "Paul", "01/01/1950", "Président du conseil communautaire"
        ),
    ]
    report = import_rne(write_csv(tmp_path / "elus-epci.csv", EPCI_HEADER, rows))
    db.session.commit()
    assert report.kind is RneFileKind.CONSEILLERS_COMMUNAUTAIRES
    assert report.skipped_rows == 1
    gevaudan = db.session.scalars(select(Intercommunality).where(Intercommunality.siren == GEVAUDAN)).one()
    roles = db.session.execute(
        select(Person.last_name, Mandate.role)
        .join(Mandate.person)
        .where(Mandate.intercommunality_id == gevaudan.id)
        .order_by(Person.last_name, Mandate.role)
    )
    assert [tuple(row) for row in roles] == [
        ("BERNARD", Role.CONSEILLER_COMMUNAUTAIRE),
        ("BERNARD", Role.VICE_PRESIDENT_EPCI),
        ("DURAND", Role.CONSEILLER_COMMUNAUTAIRE),
        ("DURAND", Role.PRESIDENT_EPCI),
        ("MARTIN", Role.CONSEILLER_COMMUNAUTAIRE),
        ("MARTIN", Role.VICE_PRESIDENT_EPCI),
        ("PETIT", Role.CONSEILLER_COMMUNAUTAIRE),
    ]
    president = db.session.scalars(select(Mandate).where(Mandate.role == Role.PRESIDENT_EPCI)).one()
    assert president.quality == "Président de la CC du Gévaudan"
    assert president.function_label == "Président du conseil communautaire"


def test_function_wording_is_folded() -> None:
    epci = RneFileKind.CONSEILLERS_COMMUNAUTAIRES
    assert Role.VICE_PRESIDENT_EPCI in roles_of(epci, "2e  VICE-PRÉSIDENT")
    assert Role.PRESIDENT_EPCI in roles_of(epci, "PRÉSIDENTE DU CONSEIL COMMUNAUTAIRE")
    assert roles_of(epci, "Membre du bureau") == (Role.CONSEILLER_COMMUNAUTAIRE,)
    cd = RneFileKind.CONSEILLERS_DEPARTEMENTAUX
    assert roles_of(cd, "Vice-président du conseil départemental") == (Role.CONSEILLER_DEPARTEMENTAL,)
    assert roles_of(cd, "1ère vice-présidente du Conseil départemental") == (Role.CONSEILLER_DEPARTEMENTAL,)
    assert Role.PRESIDENT_CONSEIL_DEPARTEMENTAL in roles_of(
        cd, "Présidente du conseil départemental de la Lozère"
    )


# ------------------------------------------------------------------ unknown codes (issue 12, item 4)


def test_unknown_commune_code_stops_the_import(lozere: None, tmp_path: Path) -> None:
    """A wrong code is no other département's commune: skipping it would close the real maire's mandate."""
    first = [*FIRST_TERM[:2], maire("48129", "VIDAL", "Marc", "02/02/1962")]  # Rocles
    import_rne(write_csv(tmp_path / "2020.csv", MAIRES_HEADER, first))
    db.session.commit()
    before = (count(Person), count(Mandate), open_maires())
    # Rocles' line with a mistyped code, and a code that is no INSEE code at all.
    rows = [*FIRST_TERM[:2], maire("48999", "VIDAL", "Marc", "02/02/1962"), maire("ABCDE", "NOUVEAU", "Luc")]
    with pytest.raises(InvalidImportFile) as raised:
        import_rne(write_csv(tmp_path / "2026.csv", MAIRES_HEADER, rows), on=date(2026, 4, 1))
    assert str(raised.value).splitlines() == [
        "Ligne 5 : code de la commune invalide « ABCDE » (code INSEE à 5 caractères attendu).",
    ]
    with pytest.raises(InvalidImportFile) as raised:
        import_rne(write_csv(tmp_path / "2026.csv", MAIRES_HEADER, rows[:3]), on=date(2026, 4, 1))
    assert str(raised.value) == "Ligne 4 : code de la commune « 48999 » inconnu dans le département 48."
    db.session.commit()
    assert (count(Person), count(Mandate), open_maires()) == before
    assert open_maires()["48129"] == "VIDAL"


def test_unknown_canton_code_stops_the_import(lozere: None, tmp_path: Path) -> None:
    rows = [
        conseiller_departemental("10", "CHAZE", "Laure", "04/04/1975"),
        conseiller_departemental("4899", "X", "Y", ""),
    ]
    with pytest.raises(
        InvalidImportFile, match=r"^Ligne 3 : code du canton « 4899 » inconnu dans le département 48\.$"
    ):
        import_rne(write_csv(tmp_path / "cd.csv", CD_HEADER, rows))
    assert count(Mandate) == 0


# ------------------------------------------------ successors and older files (issue 12, item 5)


def test_a_replaced_mandate_ends_the_day_before_its_successor(lozere: None, tmp_path: Path) -> None:
    first = [
        conseiller_departemental("10", "CHAZE", "Laure", "04/04/1975", "Présidente du conseil départemental"),
        conseiller_departemental("10", "DELON", "Marc", "05/05/1960", sex="M"),
    ]
    import_rne(write_csv(tmp_path / "cd.csv", CD_HEADER, first))
    db.session.commit()
    # After the 2028 election: DELON left, AUBERT holds the seat from the election, and the new présidente
    # from her vote; CHAZE's seat goes on, her présidence ends the day before ROCHE's.
    second = [
        [*conseiller_departemental("10", "CHAZE", "Laure", "04/04/1975")[:10], "27/06/2021", "", ""],
        [*conseiller_departemental("10", "AUBERT", "Lise", "01/01/1980")[:10], "25/06/2028", "", ""],
        [
            *conseiller_departemental("09", "ROCHE", "Anne", "02/02/1972")[:10],
            "25/06/2028",
            "Présidente du conseil départemental",
            "02/07/2028",
        ],
    ]
    report = import_rne(write_csv(tmp_path / "cd2028.csv", CD_HEADER, second), on=date(2028, 9, 1))
    db.session.commit()
    assert sorted((c.last_name, c.role, c.ends_on) for c in report.closed) == [
        ("CHAZE", Role.PRESIDENT_CONSEIL_DEPARTEMENTAL, date(2028, 7, 1)),
        ("DELON", Role.CONSEILLER_DEPARTEMENTAL, date(2028, 6, 24)),
    ]


def import_maires(path: Path, rows: Sequence[Sequence[str]], *, force: bool = False) -> None:
    import_rne(write_csv(path, MAIRES_HEADER, rows), force=force)
    db.session.commit()


def test_an_older_file_is_refused_unless_forced(lozere: None, tmp_path: Path) -> None:
    from concertation.people.rne.history import OlderRneFile, RneImport

    import_maires(tmp_path / "2020.csv", FIRST_TERM)
    newer = [*FIRST_TERM[:2], maire("48103", "BLANC", "Sophie", "08/08/1980", sex="F", starts="27/03/2026")]
    import_maires(tmp_path / "2026.csv", newer)
    before = (count(Person), count(Mandate), open_maires())
    with pytest.raises(OlderRneFile) as raised:
        import_rne(write_csv(tmp_path / "2020.csv", MAIRES_HEADER, FIRST_TERM))
    assert str(raised.value).startswith(
        "Ce fichier des maires est plus ancien que le dernier importé : ses dates de début vont jusqu'au "
        "03/07/2020, celles de « 2026.csv » (importé le "
    )
    with pytest.raises(OlderRneFile):
        import_rne(tmp_path / "2020.csv", dry_run=True)
    db.session.commit()
    assert (count(Person), count(Mandate), open_maires()) == before
    # The same file again, or another kind of file, is not older.
    import_maires(tmp_path / "2026.csv", newer)
    import_rne(write_csv(tmp_path / "cd.csv", CD_HEADER, [conseiller_departemental("10", "CHAZE", "L", "")]))
    db.session.commit()
    import_maires(tmp_path / "2020.csv", FIRST_TERM, force=True)
    assert open_maires()["48103"] == "BERNARD"
    records = db.session.scalars(select(RneImport).order_by(RneImport.id)).all()
    assert [(r.kind, r.file_name, r.file_on, r.rows, r.is_forced) for r in records] == [
        ("maires", "2020.csv", date(2020, 7, 3), 6, False),
        ("maires", "2026.csv", date(2026, 3, 27), 3, False),
        ("maires", "2026.csv", date(2026, 3, 27), 3, False),
        ("conseillers_departementaux", "cd.csv", date(2021, 6, 27), 1, False),
        ("maires", "2020.csv", date(2020, 7, 3), 6, True),
    ]
    assert records[1].file_sha256 == records[2].file_sha256 != records[0].file_sha256
    assert len(records[0].file_sha256) == 64
