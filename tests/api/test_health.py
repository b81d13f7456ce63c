"""GET /api/v1/health: database and outbox state, 503 with a French message when the database is gone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from concertation import create_app
from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.notifications.models import DeliveryState, MessageKind, OutboxMessage
from concertation.notifications.outbox import enqueue
from config import TestConfig
from tests.conftest import free_port


def _message(n: int, state: DeliveryState, *, due_in: timedelta | None = timedelta(0)) -> OutboxMessage:
    message = enqueue(
        kind=MessageKind.OTHER,
        recipient_email=f"elu{n}@example.org",
        recipient_name=f"Élu {n}",
        sender_email="concertation@lozere.fr",
        subject="Essai",
        message_id=f"<health-{n}@concertation.test>",
        raw=b"Subject: Essai\r\n\r\nBonjour\r\n",
    )
    message.state = state
    message.next_attempt_at = None if due_in is None else now_utc() + due_in
    return message


def test_health_reports_the_database_and_an_empty_outbox(client: FlaskClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["outbox"] == {
        "en_attente": 0,
        "echec_temporaire": 0,
        "refuse": 0,
        "oldest_due_age_seconds": None,
    }
    assert response.headers["X-Request-ID"]


def test_health_counts_the_outbox_states_and_the_lateness_of_the_oldest_due_message(
    app: Flask, client: FlaskClient
) -> None:
    _message(1, DeliveryState.EN_ATTENTE, due_in=timedelta(seconds=-95))
    _message(2, DeliveryState.EN_ATTENTE, due_in=timedelta(seconds=-5))
    _message(3, DeliveryState.EN_ATTENTE, due_in=timedelta(minutes=10))  # not due yet
    _message(4, DeliveryState.ECHEC_TEMPORAIRE, due_in=timedelta(minutes=2))  # waiting for its retry
    _message(5, DeliveryState.ECHEC_TEMPORAIRE, due_in=None)  # gave up after the last attempt
    _message(6, DeliveryState.REFUSE, due_in=None)
    _message(7, DeliveryState.ENVOYE, due_in=None)
    db.session.commit()

    outbox = client.get("/api/v1/health").get_json()["outbox"]
    assert {k: outbox[k] for k in ("en_attente", "echec_temporaire", "refuse")} == {
        "en_attente": 3,
        "echec_temporaire": 2,
        "refuse": 1,
    }
    assert 95 <= outbox["oldest_due_age_seconds"] < 120


def test_a_retry_that_is_due_counts_as_late(app: Flask, client: FlaskClient) -> None:
    _message(1, DeliveryState.ECHEC_TEMPORAIRE, due_in=timedelta(seconds=-40))
    db.session.commit()
    outbox = client.get("/api/v1/health").get_json()["outbox"]
    assert outbox["echec_temporaire"] == 1
    assert 40 <= outbox["oldest_due_age_seconds"] < 60


def test_health_is_503_with_a_french_message_when_the_database_does_not_answer() -> None:
    # Nothing listens on this port: the connection is refused, as when PostgreSQL is down.
    url = f"postgresql+psycopg://concertation@127.0.0.1:{free_port()}/absente?connect_timeout=2"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    response = app.test_client().get("/api/v1/health")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "erreur"
    assert body["database"] == "injoignable"
    assert body["message"] == "La base de données ne répond pas : le service est indisponible."
    assert body["detail"] == "OperationalError"
    assert "outbox" not in body
    assert response.headers["X-Request-ID"]


def test_health_schema_is_documented_for_200_and_503(client: FlaskClient) -> None:
    document: dict[str, Any] = client.get("/api/v1/openapi.json").get_json()
    responses = document["paths"]["/api/v1/health"]["get"]["responses"]
    assert {"200", "503"} <= set(responses)
    schemas = document["components"]["schemas"]
    for code in ("200", "503"):
        ref = responses[code]["content"]["application/json"]["schema"]["$ref"]
        health = schemas[ref.rsplit("/", 1)[1]]
        assert {"status", "database"} <= set(health["required"])
        assert {"outbox", "message", "detail"} <= set(health["properties"])
    outbox_ref = health["properties"]["outbox"]
    outbox_ref = outbox_ref.get("$ref") or outbox_ref["allOf"][0]["$ref"]
    outbox = schemas[outbox_ref.rsplit("/", 1)[1]]
    assert set(outbox["required"]) == {"en_attente", "echec_temporaire", "refuse", "oldest_due_age_seconds"}
    assert outbox["properties"]["oldest_due_age_seconds"]["nullable"] is True
