"""`flask users ...` commands."""

from __future__ import annotations

from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup

from concertation.accounts import reset, services, tokens
from concertation.accounts.changes import AccountChange, change_account
from concertation.accounts.exceptions import AccountError
from concertation.accounts.models import ApiToken, User, UserRole
from concertation.core.timeutils import now_utc, to_paris
from concertation.extensions import db
from concertation.notifications.emails import MailContext

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


def _user(email: str) -> User:
    user = services.find_user(email)
    if user is None:
        raise click.ClickException(f"Aucun compte pour {email}.")
    return user


def _when(value: datetime | None) -> str:
    return to_paris(value).strftime("%d/%m/%Y %H:%M") if value is not None else "jamais"


@users_cli.command("token")
@click.argument("email")
@click.option("--name", default="Ligne de commande", help="Nom du jeton (à quoi il sert).")
@click.option("--days", type=click.IntRange(1, 3650), help="Durée de validité (API_TOKEN_DAYS par défaut).")
def token(email: str, name: str, days: int | None) -> None:
    """Print a new API bearer token for the account (its other tokens stay valid)."""
    _, secret = tokens.issue(_user(email), name, days)
    db.session.commit()
    click.echo(secret)


@users_cli.command("tokens")
@click.argument("email")
def list_tokens(email: str) -> None:
    """List the account's API tokens: number, name, expiry, last use, state."""
    now = now_utc()
    for item in tokens.tokens_of(_user(email)):
        state = "révoqué" if item.revoked_at else ("expiré" if item.expires_at <= now else "valide")
        used = _when(item.last_used_at)
        click.echo(f"{item.id}\t{item.name}\texpire {_when(item.expires_at)}\tutilisé {used}\t{state}")


@users_cli.command("revoke-token")
@click.argument("email")
@click.argument("token_id", type=int)
def revoke_token(email: str, token_id: int) -> None:
    """Revoke one API token of the account (its number is given by `flask users tokens`)."""
    item = db.session.get(ApiToken, token_id)
    if item is None or item.user_id != _user(email).id:
        raise click.ClickException(f"Aucun jeton n° {token_id} pour {email}.")
    tokens.revoke(item)
    db.session.commit()
    click.echo(f"Jeton « {item.name} » révoqué.")


@users_cli.command("list")
def list_users() -> None:
    """List the accounts with role, state and last login."""
    for user in services.users():
        state = "actif" if user.is_enabled else "désactivé"
        click.echo(
            f"{user.email}\t{user.role.value}\t{user.auth_source.value}\t{state}\t"
            f"dernière connexion : {_when(user.last_login_at)}"
        )


def _change(email: str, change: AccountChange, role: str | None = None) -> None:
    user = _user(email)
    try:
        mail = MailContext.from_config(current_app.config)
        change_account(user, change, mail=mail, role=UserRole(role) if role else None)
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()


@users_cli.command("disable")
@click.argument("email")
def disable(email: str) -> None:
    """Disable an account: its sessions and API tokens stop working at once."""
    _change(email, AccountChange.DISABLE)
    click.echo(f"Compte {email} désactivé.")


@users_cli.command("enable")
@click.argument("email")
def enable(email: str) -> None:
    """Enable a disabled account again."""
    _change(email, AccountChange.ENABLE)
    click.echo(f"Compte {email} réactivé.")


@users_cli.command("role")
@click.argument("email")
@click.argument("role", type=click.Choice([r.value for r in UserRole]))
def role(email: str, role: str) -> None:
    """Change the role of an account (its sessions end)."""
    _change(email, AccountChange.ROLE, role)
    click.echo(f"Compte {email} : rôle {role}.")


@users_cli.command("reset-password")
@click.argument("email")
def reset_password(email: str) -> None:
    """Email the account a one-time link (valid 24 h) to choose a new password."""
    _change(email, AccountChange.RESET)
    click.echo(f"Lien envoyé à {email} (file d'envoi), valable {reset.RESET_HOURS} heures.")
