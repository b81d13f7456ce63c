"""GET /api/v1/health: liveness and database state, without authentication."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from concertation.api.auth import ApiBlueprint
from concertation.api.schemas import HealthSchema
from concertation.extensions import db

blp = ApiBlueprint("health", __name__, description="État du service", public=True)


@blp.route("/health")
@blp.response(200, HealthSchema)
@blp.alt_response(503, schema=HealthSchema, description="Base de données injoignable")
def health() -> tuple[dict[str, Any], int]:
    """État du service et de la base de données."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any database failure means "unhealthy"
        db.session.rollback()
        return {"status": "erreur", "database": "injoignable", "detail": type(error).__name__}, 503
    return {"status": "ok", "database": "ok"}, 200
