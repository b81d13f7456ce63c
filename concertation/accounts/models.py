"""User accounts of the Département's staff, and the secrets that let them in."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

# UserRole lives in core (core.security checks it); the explicit re-export keeps `accounts.models.UserRole`
# for the many callers that read it beside User.
from concertation.core.roles import ROLE_RANK
from concertation.core.roles import UserRole as UserRole
from concertation.core.timeutils import now_utc
from concertation.core.types import UTCDateTime, enum_type
from concertation.extensions import Model


class AuthSource(StrEnum):
    """Where the password of an account is checked."""

    LOCAL = "local"
    DIRECTORY = "annuaire"

    @property
    def label(self) -> str:
        return {"local": "Mot de passe local", "annuaire": "Annuaire"}[self.value]


class User(UserMixin, Model):
    """A staff account; élus never log in, they answer through signed links."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[UserRole] = mapped_column(enum_type(UserRole, 20), default=UserRole.LECTEUR)
    is_enabled: Mapped[bool] = mapped_column(default=True)
    auth_source: Mapped[AuthSource] = mapped_column(enum_type(AuthSource, 20), default=AuthSource.LOCAL)
    # Part of every session's identity (see get_id): raising it ends every session of the account at once.
    session_version: Mapped[int] = mapped_column(default=0)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    api_tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"

    @property
    def is_active(self) -> bool:
        return self.is_enabled

    def get_id(self) -> str:
        """What the session cookie holds: the id and the session version, checked on every request."""
        return f"{self.id}:{self.session_version}"

    def has_role(self, required: UserRole) -> bool:
        """True when this account's role includes the required one."""
        return ROLE_RANK[self.role] >= ROLE_RANK[required]


class ApiToken(Model):
    """A named bearer token of the API; only its SHA-256 digest is stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="api_tokens")

    def is_valid_at(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now


class RememberToken(Model):
    """ "Rester connecté" on one browser: random per login, stored hashed, tied to the session version."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    session_version: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class PasswordReset(Model):
    """A one-time link to choose a new password, sent by email at an admin's request."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
