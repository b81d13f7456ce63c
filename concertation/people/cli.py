"""`flask people ...` commands: RNE and contacts imports. The command owns the transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import click
from flask.cli import AppGroup

from concertation.core.text import sort_key
from concertation.extensions import db
from concertation.people.contacts import CONTACTS_COLUMNS_HELP, import_contacts
from concertation.people.exceptions import PeopleError
from concertation.people.models import function_note
from concertation.people.rne import MandateChange, import_rne
from concertation.people.rne.history import OlderRneFile

people_cli = AppGroup("people", help="Élus et contacts.")


class FrenchError(click.ClickException):
    """A ClickException shown as "Erreur : ..." rather than Click's English "Error: ..."."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"Erreur : {self.format_message()}", err=True, file=file)


@contextmanager
def _import_transaction(dry_run: bool) -> Iterator[None]:
    """The import's transaction: committed, or rolled back on a dry run or an error; a PeopleError
    reaches the user as its French message."""
    try:
        yield
    except PeopleError as error:
        db.session.rollback()
        raise FrenchError(str(error)) from None
    except BaseException:
        db.session.rollback()
        raise
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def _change_line(sign: str, change: MandateChange) -> str:
    line = f"  {sign} {change.person} : {change.quality}"
    note = function_note(change.quality, change.function_label)
    if note:
        line += f" ({note})"
    if change.ends_on is not None:
        line += f", clos le {change.ends_on:%d/%m/%Y}"
    elif change.starts_on is not None:
        line += f", depuis le {change.starts_on:%d/%m/%Y}"
    return line


def _echo_changes(title: str, sign: str, changes: list[MandateChange]) -> None:
    if not changes:
        return
    click.echo(f"{title} :")
    for change in sorted(
        changes, key=lambda c: (sort_key(c.body), c.role, sort_key(c.last_name), sort_key(c.first_name))
    ):
        click.echo(_change_line(sign, change))


RNE_HELP = """Importe un fichier du Répertoire national des élus : maires, conseillers
départementaux ou conseillers communautaires, reconnu à son en-tête.

Séparateur « ; » ou tabulation, UTF-8 (BOM accepté) ou Latin-1, dates JJ/MM/AAAA ou AAAA-MM-JJ.
Les mandats RNE disparus du fichier sont clos la veille de la prise de fonction de leur successeur
dans le fichier, sinon à la date de l'import ; les nouveaux sont ouverts ; les mandats saisis à la main
ne sont jamais clos. Une ligne invalide ou un code de commune ou de canton inconnu arrête l'import
avec son numéro ; rien n'est enregistré. Un fichier plus ancien que le dernier importé du même type
(d'après sa plus récente date de début) est refusé sans --force."""


@people_cli.command("import-rne", help=RNE_HELP)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Affiche ce qui changerait, sans rien enregistrer.")
@click.option(
    "--on",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="AAAA-MM-JJ",
    help="Date de fin des mandats disparus du fichier sans successeur (aujourd'hui par défaut).",
)
@click.option("--details", is_flag=True, help="Liste aussi les mandats ouverts, clos et mis à jour.")
@click.option("--force", is_flag=True, help="Importe même un fichier plus ancien que le dernier importé.")
def import_rne_command(file: Path, dry_run: bool, on: datetime | None, details: bool, force: bool) -> None:
    """Import an RNE file; the command owns the transaction (rolled back on error or dry run)."""
    with _import_transaction(dry_run):
        try:
            report = import_rne(file, on=_day(on), dry_run=dry_run, force=force)
        except OlderRneFile as error:
            raise FrenchError(f"{error} Relancez avec --force pour l'importer quand même.") from None
    click.echo(report.summary())
    if dry_run or details:
        _echo_changes("Mandats ouverts", "+", report.opened)
        _echo_changes("Mandats clos", "-", report.closed)
        _echo_changes("Mandats mis à jour", "~", report.updated)


@people_cli.command(
    "import-contacts", help=f"Ajoute courriels et téléphones aux personnes.\n\n{CONTACTS_COLUMNS_HELP}"
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Affiche ce qui changerait, sans rien enregistrer.")
def import_contacts_command(file: Path, dry_run: bool) -> None:
    """Import a contacts CSV; the command owns the transaction (rolled back on error or dry run)."""
    with _import_transaction(dry_run):
        report = import_contacts(file, dry_run=dry_run)
    click.echo(report.summary())
    if dry_run:
        for line in report.details():
            click.echo(f"  {line}")
