"""GET /api/v1/health: database and outbox state, without authentication.

One query answers both questions: if the database replies, it also tells how many emails wait, how many
failed for now or for good, and how late the oldest due one is. 200 when the database answers, 503 when
it does not; the outbox never turns the answer into an error (a late queue is a warning to read, not an
outage of the web site).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import marshmallow as ma
from flask import request
from marshmallow import fields
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from concertation.api.auth import ApiBlueprint
from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.notifications.models import DeliveryState, OutboxMessage
from concertation.notifications.outbox import RETRYABLE_STATES
from concertation.observability.retry import flag_lost_connection

blp = ApiBlueprint("health", __name__, description="État du service", public=True)

UNREACHABLE_MESSAGE = "La base de données ne répond pas : le service est indisponible."


class OutboxStateSchema(ma.Schema):
    en_attente = fields.Integer(required=True, metadata={"description": "Courriels en attente d'envoi"})
    echec_temporaire = fields.Integer(
        required=True, metadata={"description": "Courriels en échec temporaire, qui seront réessayés"}
    )
    refuse = fields.Integer(
        required=True, metadata={"description": "Courriels refusés définitivement par le serveur (5xx)"}
    )
    oldest_due_age_seconds = fields.Float(
        required=True,
        allow_none=True,
        metadata={
            "description": "Secondes écoulées depuis que le plus ancien courriel dû (en attente ou à "
            "réessayer, échéance passée) aurait dû partir ; null si aucun n'est dû. Quelques dizaines "
            "de secondes sont normales (le planificateur passe toutes les 30 s)."
        },
    )


class ServiceHealthSchema(ma.Schema):
    status = fields.String(required=True, metadata={"description": "« ok » ou « erreur »"})
    database = fields.String(required=True, metadata={"description": "« ok » ou « injoignable »"})
    outbox = fields.Nested(
        OutboxStateSchema,
        metadata={"description": "État de la file d'envoi des courriels (absent si la base est injoignable)"},
    )
    message = fields.String(
        metadata={"description": "Explication en français, quand le service est indisponible"}
    )
    detail = fields.String(metadata={"description": "Type de l'erreur de base de données"})


def outbox_state() -> dict[str, Any]:
    """Counts of waiting, temporarily failed and refused emails, and the lateness of the oldest due one."""
    now = now_utc()
    state = OutboxMessage.state
    due = state.in_(RETRYABLE_STATES) & (OutboxMessage.next_attempt_at <= now)
    counted = (DeliveryState.EN_ATTENTE, DeliveryState.ECHEC_TEMPORAIRE, DeliveryState.REFUSE)
    row = db.session.execute(
        select(
            *(func.count().filter(state == value) for value in counted),
            func.min(OutboxMessage.next_attempt_at).filter(due),
        ).where(state.in_(counted))
    ).one()
    values: tuple[Any, ...] = tuple(row)
    waiting, failed, refused = values[:3]
    oldest: datetime | None = values[3]
    lateness = None if oldest is None else round(max((now - oldest).total_seconds(), 0.0), 1)
    return {
        "en_attente": waiting,
        "echec_temporaire": failed,
        "refuse": refused,
        "oldest_due_age_seconds": lateness,
    }


@blp.route("/health")
@blp.response(200, ServiceHealthSchema)
@blp.alt_response(503, schema=ServiceHealthSchema, description="Base de données injoignable")
def health() -> tuple[dict[str, Any], int]:
    """État du service : base de données et file d'envoi des courriels."""
    try:
        outbox = outbox_state()
    except SQLAlchemyError as error:
        db.session.rollback()
        # A pooled connection killed under us says nothing of the database: the request runs again on a
        # fresh one (observability/retry.py) and this 503 only stands if that fails too.
        flag_lost_connection(request.environ, error)
        return {
            "status": "erreur",
            "database": "injoignable",
            "message": UNREACHABLE_MESSAGE,
            "detail": type(error).__name__,
        }, 503
    return {"status": "ok", "database": "ok", "outbox": outbox}, 200
