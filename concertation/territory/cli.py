"""`flask territory ...` commands."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask.cli import AppGroup

from concertation.extensions import db
from concertation.territory import importer
from concertation.territory.exceptions import TerritoryError

territory_cli = AppGroup("territory", help="Référentiel territorial (communes, EPCI, cantons, secteurs).")


@territory_cli.command("load")
def load() -> None:
    """Load the shipped Lozère reference data (idempotent)."""
    try:
        report = importer.load_lozere()
    except TerritoryError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Référentiel de la Lozère : {report.summary()}")


@territory_cli.command("import-decoupage")
@click.option("--departement", required=True, help="Code du département, ex. 48.")
@click.option(
    "--effective-on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Date d'effet des adhésions nouvelles (AAAA-MM-JJ).",
)
@click.argument("communes_json", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("epci_json", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_decoupage(
    departement: str, effective_on: date | None, communes_json: Path, epci_json: Path
) -> None:
    """Import communes and EPCIs from the découpage administratif JSON files."""
    effective = effective_on.date() if effective_on is not None else None  # type: ignore[attr-defined]
    try:
        report = importer.import_decoupage(
            importer.read_json(communes_json),
            importer.read_json(epci_json),
            departement,
            effective_on=effective,
        )
    except TerritoryError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Découpage administratif ({departement}) : {report.summary()}")
