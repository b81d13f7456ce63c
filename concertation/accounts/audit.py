"""The audit trail: who did what, when, from where; read by admins, kept AUDIT_RETENTION_DAYS.

Domains record their own events (convocation, cancellation, export of personal data) with `record`; the
actor and the source address come from the request being served (the logged-in user or the API token's
owner), so that a service never has to pass them along. Outside a request (a command, a job) the actor
is the one given, or nobody.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Response, g, has_request_context, request
from sqlalchemy import ForeignKey, String, Text, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from concertation.accounts.models import User
from concertation.core.labels import LabelledEnum
from concertation.core.spreadsheets import CSV_TYPE
from concertation.core.timeutils import now_utc, to_paris
from concertation.core.types import UTCDateTime, enum_type
from concertation.extensions import Model, db


class AuditAction(LabelledEnum):
    LOGIN = "connexion", "Connexion"
    LOGIN_FAILED = "connexion_refusee", "Connexion refusée"
    LOGOUT = "deconnexion", "Déconnexion"
    ACCOUNT_CREATED = "compte_cree", "Compte créé"
    ACCOUNT_CHANGED = "compte_modifie", "Compte modifié"
    PASSWORD_RESET_SENT = "lien_mot_de_passe", "Lien de mot de passe envoyé"
    PASSWORD_CHANGED = "mot_de_passe_change", "Mot de passe changé"
    TOKEN_CREATED = "jeton_cree", "Jeton d'API créé"
    TOKEN_REVOKED = "jeton_revoque", "Jeton d'API révoqué"
    CONVOCATION = "convocation", "Convocation"
    CANCELLATION = "annulation", "Annulation"
    # The other organiser actions that email the élus, so that the journal answers "who wrote to them?".
    REMINDER = "relance", "Relance des sans-réponse"
    DOCUMENTS_NOTICE = "documents", "Invités prévenus de nouveaux documents"
    POLL_SENT = "sondage", "Sondage de dates envoyé"
    EXPORT = "export", "Export de données personnelles"


class AuditEvent(Model):
    """One recorded event; the actor's address is copied so that the line outlives the account."""

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    source_address: Mapped[str] = mapped_column(String(45), default="")
    action: Mapped[AuditAction] = mapped_column(enum_type(AuditAction, 30), index=True)
    target: Mapped[str] = mapped_column(String(300), default="")
    detail: Mapped[str] = mapped_column(Text, default="")


def source_address() -> str:
    """The address the current request comes from ("" outside a request)."""
    return (request.remote_addr or "")[:45] if has_request_context() else ""


def _current_actor() -> User | None:
    if not has_request_context():
        return None
    api_user = g.get("api_user")
    if isinstance(api_user, User):
        return api_user
    from flask_login import current_user

    user = current_user._get_current_object() if current_user else None
    return user if isinstance(user, User) and user.is_authenticated else None


def record(
    action: AuditAction,
    target: str = "",
    detail: str = "",
    *,
    actor: User | None = None,
    actor_email: str = "",
) -> AuditEvent:
    """Add an event to the caller's transaction (the caller commits)."""
    who = actor or _current_actor()
    event = AuditEvent(
        occurred_at=now_utc(),
        actor_id=who.id if who is not None else None,
        actor_email=(who.email if who is not None else actor_email)[:254],
        source_address=source_address(),
        action=action,
        target=target[:300],
        detail=detail,
    )
    db.session.add(event)
    return event


def exported_csv(body: str | bytes, filename: str, target: str, detail: str = "") -> Response:
    """A CSV of personal data as a download, its export recorded and committed in the audit trail."""
    return exported_file(body, filename, target, detail, content_type=CSV_TYPE)


def exported_file(
    body: str | bytes, filename: str, target: str, detail: str = "", *, content_type: str
) -> Response:
    """A file of personal data (CSV, XLSX) as a download, its export recorded and committed."""
    record(AuditAction.EXPORT, target, detail)
    db.session.commit()
    return Response(
        body,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@dataclass(frozen=True)
class AuditFilters:
    action: AuditAction | None = None
    actor: str = ""
    since: datetime | None = None
    until: datetime | None = None


def events(filters: AuditFilters, limit: int | None = 500) -> Sequence[AuditEvent]:
    """The events matching the filters, oldest first."""
    query = select(AuditEvent)
    if filters.action is not None:
        query = query.where(AuditEvent.action == filters.action)
    if filters.actor:
        query = query.where(AuditEvent.actor_email.contains(filters.actor.strip().lower(), autoescape=True))
    if filters.since is not None:
        query = query.where(AuditEvent.occurred_at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEvent.occurred_at < filters.until)
    query = query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return list(reversed(db.session.scalars(query).all()))


CSV_HEADER = ("Date (Paris)", "Action", "Par", "Adresse d'origine", "Objet", "Détail")


def events_csv(found: Sequence[AuditEvent]) -> str:
    """The events as a CSV file for a spreadsheet (semicolons, as French Excel expects)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(CSV_HEADER)
    for event in found:
        writer.writerow(
            (
                to_paris(event.occurred_at).strftime("%d/%m/%Y %H:%M:%S"),
                event.action.label,
                event.actor_email,
                event.source_address,
                event.target,
                event.detail,
            )
        )
    return "\ufeff" + out.getvalue()


def purge(now: datetime, retention_days: int) -> int:
    """Delete the events older than the retention period; the caller commits."""
    result = db.session.execute(
        delete(AuditEvent).where(AuditEvent.occurred_at < now - timedelta(days=retention_days))
    )
    return int(getattr(result, "rowcount", 0) or 0)
