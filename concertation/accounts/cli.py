"""`flask users ...` commands."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from concertation.accounts import services
from concertation.accounts.exceptions import AccountError
from concertation.accounts.models import UserRole
from concertation.extensions import db

users_cli = AppGroup("users", help="Comptes des agents du Département.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in UserRole]), default=UserRole.ORGANISATEUR.value)
@click.option("--name", default="")
@click.option("--password", help="Mot de passe ; généré et affiché s'il est omis.")
def create(email: str, role: str, name: str, password: str | None) -> None:
    """Create an account; prints the generated password when none is given."""
    generated = password is None
    password = password or services.generate_password()
    try:
        services.create_user(email, password, UserRole(role), name)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Compte {role} créé : {email}")
    if generated:
        click.echo(f"Mot de passe : {password}")


@users_cli.command("ensure-organiser")
@click.option("--email", default="organisateur@lozere.fr")
def ensure_organiser(email: str) -> None:
    """Create a first admin-organiser account when the database has none (used by `make run`)."""
    if services.count_users() > 0:
        click.echo("Des comptes existent déjà : aucun compte créé.")
        return
    password = services.generate_password()
    services.create_user(email, password, UserRole.ADMIN, "Organisateur")
    db.session.commit()
    click.echo("=" * 60)
    click.echo("Compte administrateur créé pour la première connexion :")
    click.echo(f"  identifiant  : {email}")
    click.echo(f"  mot de passe : {password}")
    click.echo("=" * 60)


@users_cli.command("token")
@click.argument("email")
def token(email: str) -> None:
    """Print a new API bearer token for the account (the previous one is revoked)."""
    user = services.find_user(email)
    if user is None:
        raise click.ClickException(f"Aucun compte pour {email}.")
    value = services.issue_api_token(user)
    db.session.commit()
    click.echo(value)
