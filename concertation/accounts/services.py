"""Account services: creation, authentication (directory or local password) with throttling, and the
changes an admin makes (enable, disable, role); each change ends the account's sessions and is audited."""

from __future__ import annotations

import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, select

from concertation.accounts import audit, directory, throttle, tokens
from concertation.accounts.audit import AuditAction
from concertation.accounts.exceptions import (
    DirectoryAccount,
    DirectoryDown,
    DuplicateAccount,
    InvalidCredentials,
    LastAdmin,
    LoginThrottled,
    WeakPassword,
)
from concertation.accounts.models import AuthSource, User, UserRole
from concertation.accounts.sessions import end_all_sessions
from concertation.core.timeutils import now_utc
from concertation.extensions import db


@lru_cache(maxsize=4)
def _hasher_for(time_cost: int, memory_cost: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)


def _hasher() -> PasswordHasher:
    """argon2id with the configured cost (tests lower it; production keeps argon2-cffi's defaults)."""
    config = current_app.config
    return _hasher_for(int(config.get("ARGON2_TIME_COST", 3)), int(config.get("ARGON2_MEMORY_COST", 65536)))


MIN_PASSWORD_LENGTH = 12


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def generate_password() -> str:
    """A random password that is easy to copy (no ambiguous characters)."""
    return secrets.token_urlsafe(12)


def _unusable_password() -> str:
    # Directory accounts have no local password: a hash of a secret nobody knows.
    return hash_password(secrets.token_urlsafe(32))


def create_user(email: str, password: str, role: UserRole, name: str = "") -> User:
    """Add an account with a local password; the caller commits."""
    email = normalise_email(email)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword()
    if find_user(email) is not None:
        raise DuplicateAccount(email)
    user = User(email=email, name=name, password_hash=hash_password(password), role=role)
    db.session.add(user)
    db.session.flush()
    audit.record(AuditAction.ACCOUNT_CREATED, email, f"rôle {role.label}, mot de passe local")
    return user


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def count_users() -> int:
    return db.session.scalar(select(func.count(User.id))) or 0


def _password_matches(user: User, password: str) -> bool:
    try:
        _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return True


def _from_directory(settings: directory.DirectorySettings, email: str, password: str) -> User | None:
    """The account of a directory agent, created on first login; its role follows the groups."""
    try:
        agent = directory.authenticate(settings, email, password)
    except directory.DirectoryUnavailable:
        current_app.logger.exception("directory unavailable")
        raise DirectoryDown() from None
    if agent is None or agent.role is None:
        return None
    user = find_user(agent.email)
    if user is None:
        user = User(
            email=agent.email,
            name=agent.name,
            password_hash=_unusable_password(),
            role=agent.role,
            auth_source=AuthSource.DIRECTORY,
        )
        db.session.add(user)
        db.session.flush()
        audit.record(
            AuditAction.ACCOUNT_CREATED, user.email, f"rôle {agent.role.label}, par l'annuaire", actor=user
        )
        return user
    if not user.is_enabled:
        return None
    if user.auth_source != AuthSource.DIRECTORY:
        user.auth_source = AuthSource.DIRECTORY
        user.password_hash = _unusable_password()
    if user.role != agent.role:
        audit.record(
            AuditAction.ACCOUNT_CHANGED,
            user.email,
            f"rôle {user.role.label} → {agent.role.label} (groupes de l'annuaire)",
            actor=user,
        )
        user.role = agent.role
        end_all_sessions(user)
    user.name = agent.name or user.name
    return user


def _check(email: str, password: str) -> User | None:
    user = find_user(email)
    settings = directory.DirectorySettings.from_config(current_app.config)
    # With a directory, local passwords stay for the admins only (the way in when the directory is down).
    local_allowed = settings is None or (user is not None and user.role == UserRole.ADMIN)
    if user is not None and user.auth_source == AuthSource.LOCAL and local_allowed:
        return user if user.is_enabled and _password_matches(user, password) else None
    if settings is not None:
        return _from_directory(settings, email, password)
    # Hash anyway so that response time does not reveal which emails have accounts.
    _hasher().hash(password)
    return None


def authenticate(email: str, password: str, *, source: str) -> User:
    """The enabled account with these credentials, from the directory or a local password.

    A source (and an account from that source) that failed too often must wait: LoginThrottled, with
    the seconds left. The caller commits in every case, so that failures are recorded and audited.
    """
    email = normalise_email(email)
    now = now_utc()
    wait = throttle.login_wait(email, source, now)
    if wait:
        raise LoginThrottled(wait)
    user = _check(email, password)
    if user is None:
        throttle.record_login_failure(
            email, source, now, throttle.LoginLimits.from_config(current_app.config)
        )
        audit.record(AuditAction.LOGIN_FAILED, email, actor_email=email)
        raise InvalidCredentials()
    throttle.record_login_success(email, source)
    user.last_login_at = now
    audit.record(
        AuditAction.LOGIN, user.email, f"rôle {user.role.label}, {user.auth_source.label.lower()}", actor=user
    )
    return user


def _active_admins() -> int:
    query = select(func.count(User.id)).where(User.role == UserRole.ADMIN, User.is_enabled.is_(True))
    return db.session.scalar(query) or 0


def _guard_last_admin(user: User) -> None:
    if user.role == UserRole.ADMIN and user.is_enabled and _active_admins() <= 1:
        raise LastAdmin()


def set_enabled(user: User, enabled: bool) -> None:
    """Enable or disable an account; disabling ends its sessions and its API tokens' access at once."""
    if user.is_enabled == enabled:
        return
    if not enabled:
        _guard_last_admin(user)
    user.is_enabled = enabled
    end_all_sessions(user)
    audit.record(
        AuditAction.ACCOUNT_CHANGED, user.email, "compte réactivé" if enabled else "compte désactivé"
    )


def set_role(user: User, role: UserRole) -> None:
    """Change the role; the account's sessions end (its next page asks to log in again)."""
    if user.role == role:
        return
    if role != UserRole.ADMIN:
        _guard_last_admin(user)
    audit.record(AuditAction.ACCOUNT_CHANGED, user.email, f"rôle {user.role.label} → {role.label}")
    user.role = role
    end_all_sessions(user)


def set_password(user: User, password: str) -> None:
    """A new local password; every session of the account ends. The caller commits."""
    if user.auth_source == AuthSource.DIRECTORY and directory_configured():
        raise DirectoryAccount()
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword()
    user.password_hash = hash_password(password)
    user.auth_source = AuthSource.LOCAL
    end_all_sessions(user)
    audit.record(AuditAction.PASSWORD_CHANGED, user.email, actor_email=user.email)


def directory_configured() -> bool:
    return directory.DirectorySettings.from_config(current_app.config) is not None


def issue_api_token(user: User, name: str = "Ligne de commande") -> str:
    """A new bearer token for the user (the others stay valid); only its digest is stored."""
    _, secret = tokens.issue(user, name)
    return secret


def users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.email)).all())
