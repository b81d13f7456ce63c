"""Revocable sessions: the session cookie and the "Rester connecté" cookie both name a session version.

The session cookie holds `User.get_id()` ("id:version"); the remember cookie holds a random token, one
per login, whose SHA-256 is stored with the version it was issued under and an expiry (REMEMBER_DAYS).
Raising the account's version (logout, password or role change, disabling) makes every cookie ever
issued for it useless at its next request, in every browser and every worker.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import Flask, Request, current_app, g, session
from flask_login import LoginManager
from sqlalchemy import delete, select
from werkzeug.wrappers import Response

from concertation.accounts.models import RememberToken, User
from concertation.core.timeutils import now_utc
from concertation.extensions import db

DEFAULT_REMEMBER_COOKIE = "concertation_memoire"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_for_session_id(user_id: str) -> User | None:
    """The enabled account whose current session version is the one in the cookie."""
    raw_id, _, raw_version = user_id.partition(":")
    if not raw_id.isdigit() or not raw_version.isdigit():
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or not user.is_enabled or user.session_version != int(raw_version):
        return None
    return user


def _cookie_name() -> str:
    return str(current_app.config.get("REMEMBER_ME_COOKIE_NAME", DEFAULT_REMEMBER_COOKIE))


def user_for_remember_cookie(request: Request) -> User | None:
    """The account a valid remember cookie names; it then gets a session like a login's."""
    token = request.cookies.get(_cookie_name())
    if not token:
        return None
    remembered = db.session.scalar(select(RememberToken).where(RememberToken.token_hash == digest(token)))
    if remembered is None or remembered.expires_at <= now_utc():
        return None
    user = remembered.user
    if not user.is_enabled or remembered.session_version != user.session_version:
        return None
    session["_user_id"] = user.get_id()
    session["_fresh"] = False
    return user


def _forget_previous_identity() -> None:
    # Flask-Login keeps the user in `g` (Flask-WTF its CSRF secret), which lives as long as the
    # application context: requests served inside one context (the test client within an app context)
    # would share them and skip the check. Every request identifies its user afresh.
    for name in ("_login_user", "api_user", "csrf_token"):
        g.pop(name, None)


def install(app: Flask, login_manager: LoginManager) -> None:
    login_manager.user_loader(user_for_session_id)
    login_manager.request_loader(user_for_remember_cookie)
    app.before_request(_forget_previous_identity)


def issue_remember_token(user: User) -> str:
    """A new random remember token for this browser; the caller commits and sets the cookie."""
    token = secrets.token_urlsafe(32)
    days = int(current_app.config.get("REMEMBER_DAYS", 30))
    db.session.add(
        RememberToken(
            user_id=user.id,
            token_hash=digest(token),
            session_version=user.session_version,
            expires_at=now_utc() + timedelta(days=days),
        )
    )
    return token


def set_remember_cookie(app: Flask, response: Response, token: str) -> None:
    config = app.config
    response.set_cookie(
        _cookie_name(),
        token,
        max_age=int(timedelta(days=int(config.get("REMEMBER_DAYS", 30))).total_seconds()),
        secure=bool(config.get("REMEMBER_COOKIE_SECURE", True)),
        httponly=True,
        samesite="Lax",
    )


def clear_remember_cookie(response: Response) -> None:
    response.delete_cookie(_cookie_name(), httponly=True, samesite="Lax")


def end_all_sessions(user: User) -> None:
    """Every session and remember cookie of the account stops working; the caller commits."""
    user.session_version += 1
    db.session.execute(delete(RememberToken).where(RememberToken.user_id == user.id))


def purge_expired_remember_tokens() -> int:
    result = db.session.execute(delete(RememberToken).where(RememberToken.expires_at <= now_utc()))
    return int(getattr(result, "rowcount", 0) or 0)
