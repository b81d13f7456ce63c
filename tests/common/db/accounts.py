"""Account factories: users of each role, all with the same password."""

from __future__ import annotations

from concertation.accounts.models import User, UserRole
from concertation.accounts.services import create_user
from concertation.extensions import db

TEST_PASSWORD = "mot-de-passe-de-test"


def user(email: str, role: UserRole = UserRole.ORGANISATEUR) -> User:
    """A committed account of `role`, whose password is TEST_PASSWORD."""
    created = create_user(email, TEST_PASSWORD, role)
    db.session.commit()
    return created
