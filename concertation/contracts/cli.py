"""`flask contracts ...` commands. The command owns the transaction."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from concertation.contracts.demo import DemoError, has_contracts, load_demo_contracts
from concertation.contracts.exceptions import ContractError
from concertation.extensions import db

contracts_cli = AppGroup("contracts", help="Contrats territoriaux.")


@contracts_cli.command("demo")
def demo() -> None:
    """Load a demo contract for each Lozère CC, only into a database that has no contract yet."""
    if has_contracts():
        click.echo("Des contrats existent déjà : aucun contrat de démonstration chargé.")
        return
    try:
        contracts = load_demo_contracts()
    except (DemoError, ContractError) as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    stages = ", ".join(f"{c.intercommunality.name} ({c.stage.label.lower()})" for c in contracts)
    click.echo(f"Démonstration : {len(contracts)} contrats territoriaux fictifs — {stages}.")
