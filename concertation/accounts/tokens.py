"""API bearer tokens: several per account, each named, expiring, revocable one by one."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from concertation.accounts import audit
from concertation.accounts.exceptions import AccountError
from concertation.accounts.models import ApiToken, User
from concertation.accounts.sessions import digest
from concertation.core.timeutils import now_utc
from concertation.extensions import db

DEFAULT_TOKEN_DAYS = 90
# Writing last_used_at at every request would make every API read a write; once a minute is enough to show.
LAST_USE_PRECISION = timedelta(minutes=1)


class TokenNotFound(AccountError):
    def __init__(self) -> None:
        super().__init__("Jeton introuvable.")


@dataclass(frozen=True)
class TokenCheck:
    """What the API learns from a bearer token: the account, or why it is refused (in French)."""

    user: User | None
    refusal: str = ""
    # True when the last use was set (at most once a minute): the caller commits it with `commit_use`.
    touched: bool = False


EXPIRED = (
    "Jeton d'authentification expiré : créez-en un nouveau (page « Mon compte » ou `flask users token`)."
)
REVOKED = "Jeton d'authentification révoqué."
DISABLED = "Jeton d'authentification refusé : le compte est désactivé."


def token_days() -> int:
    return int(current_app.config.get("API_TOKEN_DAYS", DEFAULT_TOKEN_DAYS))


def issue(user: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """A new token (the row and the secret, shown once); the caller commits."""
    secret = secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=(name.strip() or "Jeton")[:100],
        token_hash=digest(secret),
        expires_at=now_utc() + timedelta(days=days if days is not None else token_days()),
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        audit.AuditAction.TOKEN_CREATED,
        user.email,
        f"« {token.name} », expire le {token.expires_at:%d/%m/%Y}",
    )
    return token, secret


def revoke(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = now_utc()
        audit.record(audit.AuditAction.TOKEN_REVOKED, token.user.email, f"« {token.name} »")


def tokens_of(user: User) -> Sequence[ApiToken]:
    return db.session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == user.id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ).all()


def check(secret: str) -> TokenCheck:
    """The account behind a bearer token, checked at every request (enabled, not expired, not revoked).

    Sets the last use (at most once a minute); the caller commits it with `commit_use`.
    """
    token = (
        # The account comes in the same statement: this runs on every API request.
        db.session.scalar(
            select(ApiToken).options(joinedload(ApiToken.user)).where(ApiToken.token_hash == digest(secret))
        )
        if secret
        else None
    )
    if token is None:
        return TokenCheck(None)
    now = now_utc()
    if token.revoked_at is not None:
        return TokenCheck(None, REVOKED)
    if token.expires_at <= now:
        return TokenCheck(None, EXPIRED)
    if not token.user.is_enabled:
        return TokenCheck(None, DISABLED)
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_PRECISION:
        token.last_used_at = now
        return TokenCheck(token.user, touched=True)
    return TokenCheck(token.user)


def commit_use() -> None:
    """Commit the last use before the request's own work, keeping the account just loaded as it is.

    A plain commit would expire it, and every API request would read the account a second time.
    """
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
