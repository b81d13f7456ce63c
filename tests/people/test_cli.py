"""`flask people import-rne` and `import-contacts` as an operator runs them."""

from __future__ import annotations

from pathlib import Path

from click.testing import Result
from flask import Flask
from sqlalchemy import func, select

from concertation.extensions import db
from concertation.people.models import Mandate, Person
from tests.common.rne import FIRST_TERM, MAIRES_HEADER, count, maire, open_maires, write_csv


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["people", *args])


def test_import_rne(app: Flask, lozere: None, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "elus-maires-mai.csv", MAIRES_HEADER, FIRST_TERM)
    result = run(app, "import-rne", str(path))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Fichier RNE des maires : 6 lignes, 1 ignorées (collectivité absente de la base).",
        "Personnes créées : 5 ; dates de naissance complétées : 0.",
        "Mandats ouverts : 5 ; clos : 0 ; mis à jour : 0 ; inchangés : 0.",
    ]
    assert count(Mandate) == 5


def test_bad_line_rolls_back_and_exits_non_zero(app: Flask, lozere: None, tmp_path: Path) -> None:
    run(app, "import-rne", str(write_csv(tmp_path / "2020.csv", MAIRES_HEADER, FIRST_TERM)))
    before = (count(Person), count(Mandate), open_maires())
    rows = [
        maire("48103", "BLANC", "Sophie", "08/08/1980", sex="F"),
        maire("48092", "DURAND", "Pierre", "01/02/1955"),
        maire("48032", "ROUX", "Michel", "31/02/1960"),
    ]
    result = run(
        app, "import-rne", str(write_csv(tmp_path / "2026.csv", MAIRES_HEADER, rows)), "--on", "2026-03-30"
    )
    assert result.exit_code == 1
    assert result.output == "Erreur : Ligne 4 : date de naissance invalide « 31/02/1960 ».\n"
    assert (count(Person), count(Mandate), open_maires()) == before


def test_dry_run_lists_changes_and_writes_nothing(app: Flask, lozere: None, tmp_path: Path) -> None:
    run(app, "import-rne", str(write_csv(tmp_path / "2020.csv", MAIRES_HEADER, FIRST_TERM)))
    before = (count(Person), count(Mandate), open_maires())
    rows = [*FIRST_TERM[:2], maire("48103", "BLANC", "Sophie", "08/08/1980", sex="F", starts="27/03/2026")]
    path = write_csv(tmp_path / "2026.csv", MAIRES_HEADER, [*rows, *FIRST_TERM[3:]])
    result = run(app, "import-rne", str(path), "--dry-run", "--on", "2026-03-30")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Simulation, rien n'est enregistré. Fichier RNE des maires : 6 lignes, "
        "1 ignorées (collectivité absente de la base).",
        "Personnes créées : 1 ; dates de naissance complétées : 0.",
        "Mandats ouverts : 1 ; clos : 1 ; mis à jour : 0 ; inchangés : 4.",
        "Mandats ouverts :",
        "  + Mme Sophie BLANC : Maire de Montrodat, depuis le 27/03/2026",
        "Mandats clos :",
        "  - M. Jean BERNARD : Maire de Montrodat, clos le 26/03/2026",
    ]
    assert (count(Person), count(Mandate), open_maires()) == before
    assert db.session.scalar(select(func.count()).where(Mandate.ends_on.is_not(None))) == 0


def test_unknown_header_is_reported(app: Flask, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "autre.csv", ["Nom", "Prénom"], [["A", "B"]])
    result = run(app, "import-rne", str(path))
    assert result.exit_code == 1
    assert result.output.startswith("Erreur : Ligne 1 : en-tête non reconnu")


def test_import_contacts(app: Flask, lozere: None, tmp_path: Path) -> None:
    run(app, "import-rne", str(write_csv(tmp_path / "maires.csv", MAIRES_HEADER, FIRST_TERM)))
    path = tmp_path / "contacts.csv"
    path.write_text("nom;prenom;email\nDurand;Pierre;Mairie@Marvejols.FR\n", encoding="utf-8")
    dry = run(app, "import-contacts", str(path), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "  Pierre DURAND : courriel (vide) → Mairie@marvejols.fr" in dry.output.splitlines()
    assert db.session.scalar(select(func.count()).where(Person.email.is_not(None))) == 0
    result = run(app, "import-contacts", str(path))
    assert result.output == "Fichier de contacts : 1 lignes ; personnes mises à jour : 1 ; inchangées : 0.\n"
    db.session.rollback()
    assert db.session.scalars(select(Person.email).where(Person.last_name == "DURAND")).one() == (
        "Mairie@marvejols.fr"
    )


def test_import_contacts_error(app: Flask, lozere: None, tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text("nom,prenom,email\nInconnu,Paul,paul@example.org\n", encoding="utf-8")
    result = run(app, "import-contacts", str(path))
    assert result.exit_code == 1
    assert result.output == "Erreur : Ligne 2 : personne inconnue « Paul Inconnu ».\n"


def test_contacts_help_lists_the_columns(app: Flask) -> None:
    result = run(app, "import-contacts", "--help")
    assert "nom;prenom;date_naissance;email;telephone" in result.output
    assert "person_id" in result.output


def test_unknown_commune_code_stops_the_import(app: Flask, lozere: None, tmp_path: Path) -> None:
    run(app, "import-rne", str(write_csv(tmp_path / "2020.csv", MAIRES_HEADER, FIRST_TERM)))
    before = (count(Person), count(Mandate), open_maires())
    rows = [*FIRST_TERM[:4], maire("48999", "ROUX", "Michel", "30/09/1958")]
    result = run(app, "import-rne", str(write_csv(tmp_path / "2026.csv", MAIRES_HEADER, rows)))
    assert result.exit_code == 1
    assert (
        result.output == "Erreur : Ligne 6 : code de la commune « 48999 » inconnu dans le département 48.\n"
    )
    assert (count(Person), count(Mandate), open_maires()) == before


def test_older_file_needs_force(app: Flask, lozere: None, tmp_path: Path) -> None:
    old = write_csv(tmp_path / "2020.csv", MAIRES_HEADER, FIRST_TERM)
    run(app, "import-rne", str(old))
    new = [*FIRST_TERM[:2], maire("48103", "BLANC", "Sophie", "08/08/1980", sex="F", starts="27/03/2026")]
    assert run(app, "import-rne", str(write_csv(tmp_path / "2026.csv", MAIRES_HEADER, new))).exit_code == 0
    before = (count(Person), count(Mandate), open_maires())
    result = run(app, "import-rne", str(old))
    assert result.exit_code == 1
    assert result.output.startswith("Erreur : Ce fichier des maires est plus ancien que le dernier importé")
    assert result.output.endswith("Relancez avec --force pour l'importer quand même.\n")
    assert (count(Person), count(Mandate), open_maires()) == before
    forced = run(app, "import-rne", str(old), "--force")
    assert forced.exit_code == 0, forced.output
    assert open_maires()["48103"] == "BERNARD"
