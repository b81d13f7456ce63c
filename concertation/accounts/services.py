"""Account services: creation, authentication with throttling, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, select

from concertation.accounts.exceptions import (
    AccountLocked,
    DuplicateAccount,
    InvalidCredentials,
    WeakPassword,
)
from concertation.accounts.models import User, UserRole
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


def create_user(email: str, password: str, role: UserRole, name: str = "") -> User:
    """Add an account; the caller commits."""
    email = normalise_email(email)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword()
    if find_user(email) is not None:
        raise DuplicateAccount(email)
    user = User(email=email, name=name, password_hash=hash_password(password), role=role)
    db.session.add(user)
    db.session.flush()
    return user


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def authenticate(email: str, password: str, *, max_failures: int, lock_seconds: int) -> User:
    """The enabled user with these credentials; counts failures and locks the account.

    The caller commits in every case, so that failures are recorded.
    """
    user = find_user(email)
    if user is None or not user.is_enabled:
        # Hash anyway so that response time does not reveal which emails have accounts.
        _hasher().hash(password)
        raise InvalidCredentials()
    now = now_utc()
    if user.locked_until is not None and user.locked_until > now:
        remaining = int((user.locked_until - now).total_seconds() // 60) + 1
        raise AccountLocked(remaining)
    try:
        _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(seconds=lock_seconds)
            user.failed_logins = 0
        raise InvalidCredentials() from None
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token(user: User) -> str:
    """A new bearer token for the user; only its digest is stored, the previous one stops working."""
    token = secrets.token_urlsafe(32)
    user.api_token_hash = _token_digest(token)
    return token


def user_for_token(token: str) -> User | None:
    if not token:
        return None
    user = db.session.scalar(select(User).where(User.api_token_hash == _token_digest(token)))
    if user is None or not user.is_enabled:
        return None
    return user


def count_users() -> int:
    return db.session.scalar(select(func.count(User.id))) or 0
