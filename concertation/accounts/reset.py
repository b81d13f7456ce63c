"""Password reset by a one-time link, emailed through the outbox in the caller's transaction."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select

from concertation.accounts import audit
from concertation.accounts.audit import AuditAction
from concertation.accounts.exceptions import InvalidResetLink
from concertation.accounts.models import PasswordReset, User
from concertation.accounts.services import set_password
from concertation.accounts.sessions import digest
from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.notifications.bodies import render_body
from concertation.notifications.emails import MailContext
from concertation.notifications.mime_headers import stable_message_id
from concertation.notifications.models import MessageKind
from concertation.notifications.outbox import enqueue_email, simple_email

RESET_HOURS = 24
SUBJECT = "Concertation : choisissez votre mot de passe"


def reset_url(ctx: MailContext, token: str) -> str:
    return f"{ctx.public_url}/mot-de-passe/{token}"


def send_reset_link(user: User, ctx: MailContext) -> PasswordReset:
    """Queue the email with a new one-time link (earlier unused links stop working); the caller commits."""
    now = now_utc()
    for earlier in db.session.scalars(
        select(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
    ):
        earlier.used_at = now
    token = secrets.token_urlsafe(32)
    reset = PasswordReset(
        user_id=user.id, token_hash=digest(token), expires_at=now + timedelta(hours=RESET_HOURS)
    )
    db.session.add(reset)
    db.session.flush()
    context = {"user": user, "link_url": reset_url(ctx, token), "hours": RESET_HOURS}
    email = simple_email(
        ctx,
        MessageKind.OTHER,
        to_name=user.name,
        to_email=user.email,
        subject=SUBJECT,
        body=render_body("password_reset", context),
        message_id=stable_message_id("mot-de-passe", reset.id, 0, ctx.host),
    )
    enqueue_email(email)
    audit.record(AuditAction.PASSWORD_RESET_SENT, user.email, f"lien valable {RESET_HOURS} h")
    return reset


def valid_reset(token: str) -> PasswordReset:
    """The unused, unexpired reset of this link; InvalidResetLink otherwise."""
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == digest(token)))
    if (
        reset is None
        or reset.used_at is not None
        or reset.expires_at <= now_utc()
        or not reset.user.is_enabled
    ):
        raise InvalidResetLink()
    return reset


def use_reset(token: str, password: str) -> User:
    """Set the password chosen through the link, which then stops working; the caller commits."""
    reset = valid_reset(token)
    set_password(reset.user, password)
    reset.used_at = now_utc()
    return reset.user
