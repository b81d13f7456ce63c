"""User accounts of the Département's staff."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

# UserRole lives in core (core.security checks it); the explicit re-export keeps `accounts.models.UserRole`
# for the many callers that read it beside User.
from concertation.core.roles import ROLE_RANK
from concertation.core.roles import UserRole as UserRole
from concertation.core.timeutils import now_utc
from concertation.core.types import UTCDateTime, enum_type
from concertation.extensions import Model


class User(UserMixin, Model):
    """A staff account; élus never log in, they answer through signed links."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[UserRole] = mapped_column(enum_type(UserRole, 20), default=UserRole.LECTEUR)
    is_enabled: Mapped[bool] = mapped_column(default=True)
    api_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"

    @property
    def is_active(self) -> bool:
        return self.is_enabled

    def has_role(self, required: UserRole) -> bool:
        """True when this account's role includes the required one."""
        return ROLE_RANK[self.role] >= ROLE_RANK[required]
