"""Account factories: users of each role, all with the same password."""

from __future__ import annotations

from sqlalchemy import select

from concertation.accounts.audit import AuditAction, AuditEvent
from concertation.accounts.models import User, UserRole
from concertation.accounts.services import create_user
from concertation.extensions import db

TEST_PASSWORD = "mot-de-passe-de-test"


def user(email: str, role: UserRole = UserRole.ORGANISATEUR) -> User:
    """A committed account of `role`, whose password is TEST_PASSWORD."""
    created = create_user(email, TEST_PASSWORD, role)
    db.session.commit()
    return created


def journal(action: AuditAction) -> list[tuple[str, str, str]]:
    """The audit journal's lines of `action`, oldest first: (actor's address, target, detail)."""
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
    return [(event.actor_email, event.target, event.detail) for event in events]
