"""`flask invitations ...` and `flask outbox ...` commands."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from concertation.extensions import db
from concertation.notifications.sender import SmtpSettings, drain

invitations_cli = AppGroup("invitations", help="Invitations et réponses.")
outbox_cli = AppGroup("outbox", help="File d'envoi des courriels.")


@invitations_cli.command("ingest-reply")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def ingest_reply(files: tuple[Path, ...]) -> None:
    """Apply messages saved from the organiser's mailbox (.eml) or .ics files, as the mailbox poll does."""
    from concertation.invitations.inbox_apply import apply_saved_message
    from concertation.invitations.inbox_poll import inbox_settings

    settings = inbox_settings(current_app.config)
    ignored = False
    for path in files:
        outcome, note = apply_saved_message(path.read_bytes(), settings)
        db.session.commit()
        if outcome.status is None:
            ignored = True
            click.echo(
                f"{path.name} : ni réponse d'agenda d'un invité, ni échec de livraison, ni message "
                "d'un invité : rien à faire.",
                err=True,
            )
            continue
        again = " (déjà traité)" if outcome.already else ""
        click.echo(f"{path.name} : {outcome.status.label}{again}. {note}".rstrip())
    if ignored:
        raise SystemExit(1)


@outbox_cli.command("drain")
@click.option("--batch-size", default=100, show_default=True)
def drain_command(batch_size: int) -> None:
    """Send every email due now."""
    report = drain(SmtpSettings.from_config(current_app.config), batch_size=batch_size)
    click.echo(f"File d'envoi : {report.summary()}")
    for error in report.errors:
        click.echo(f"  {error}", err=True)


mailbox_cli = AppGroup("mailbox", help="Boîte aux lettres de l'organisateur (IMAP).")


@mailbox_cli.command("poll")
def poll_command() -> None:
    """Read the organiser's mailbox once: calendar answers, bounces, automatic replies, messages."""
    from concertation.invitations.inbox_poll import MailboxUnavailable, inbox_settings, poll
    from concertation.notifications.inbox.imap import ImapSettings

    settings = ImapSettings.from_config(current_app.config)
    if settings is None:
        click.echo("Relève désactivée : MAIL_IMAP_HOST n'est pas renseigné.", err=True)
        raise SystemExit(2)
    try:
        report = poll(settings, inbox_settings(current_app.config), force=True)
    except MailboxUnavailable as error:
        click.echo(str(error), err=True)
        raise SystemExit(1) from error
    click.echo(f"Boîte aux lettres : {report.summary()}")
