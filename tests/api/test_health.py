"""GET /api/v1/health: database, outbox and job runs; 503 with a French message when the database is gone
or the scheduler stopped."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from concertation import create_app
from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.followup.jobs import JOBS, OUTBOX_SECONDS
from concertation.followup.models import JobRun
from concertation.notifications.models import DeliveryState, MessageKind, OutboxMessage
from concertation.notifications.outbox import OutgoingEmail, enqueue_email
from config import TestConfig
from tests.common.smtp import SmtpSink, free_port


def _message(n: int, state: DeliveryState, *, due_in: timedelta | None = timedelta(0)) -> OutboxMessage:
    message = enqueue_email(
        OutgoingEmail(
            kind=MessageKind.OTHER,
            recipient_email=f"elu{n}@example.org",
            recipient_name=f"Élu {n}",
            sender_email="concertation@lozere.fr",
            subject="Essai",
            message_id=f"<health-{n}@concertation.test>",
            raw=b"Subject: Essai\r\n\r\nBonjour\r\n",
        )
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
        assert {"outbox", "jobs", "scheduler", "message", "detail"} <= set(health["properties"])
    outbox_ref = health["properties"]["outbox"]
    outbox_ref = outbox_ref.get("$ref") or outbox_ref["allOf"][0]["$ref"]
    outbox = schemas[outbox_ref.rsplit("/", 1)[1]]
    assert set(outbox["required"]) == {"en_attente", "echec_temporaire", "refuse", "oldest_due_age_seconds"}
    assert outbox["properties"]["oldest_due_age_seconds"]["nullable"] is True


# --- the scheduler: age of each job's last run, 503 once a job no longer runs ---------------------------


def _run(job_name: str, ago: timedelta) -> None:
    started = now_utc() - ago
    db.session.add(
        JobRun(job_name=job_name, started_at=started, finished_at=started, outcome="ok", detail="essai")
    )
    db.session.commit()


def _jobs(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {job["name"]: job for job in body["jobs"]}


def test_a_fresh_install_without_any_job_run_is_healthy(client: FlaskClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["scheduler"] == "ok"
    jobs = _jobs(body)
    assert set(jobs) == {job.name for job in JOBS}
    outbox = jobs["drain_outbox"]
    assert outbox["libelle"] == "Envoi des courriels"
    assert outbox["dernier_passage"] is None and outbox["age_seconds"] is None
    assert outbox["en_retard"] is False
    # 3 periods of the outbox job plus a margin of 60 s.
    assert outbox["retard_apres_secondes"] == 3 * outbox["periode_secondes"] + 60


def test_health_reports_the_age_of_each_jobs_last_run(client: FlaskClient) -> None:
    _run("drain_outbox", timedelta(seconds=20))
    _run("send_reminders", timedelta(minutes=20))
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    jobs = _jobs(response.get_json())
    assert 20 <= jobs["drain_outbox"]["age_seconds"] < 40
    assert 1200 <= jobs["send_reminders"]["age_seconds"] < 1220
    assert jobs["drain_outbox"]["dernier_passage"]
    assert jobs["close_meetings"]["age_seconds"] is None
    assert not any(job["en_retard"] for job in jobs.values())


def test_a_job_far_past_its_period_makes_health_503(client: FlaskClient) -> None:
    # The outbox job ran once, 10 minutes ago, then its scheduler died: nothing queued yet, still a 503.
    _run("drain_outbox", timedelta(minutes=10))
    _run("send_reminders", timedelta(minutes=1))
    response = client.get("/api/v1/health")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "erreur" and body["database"] == "ok" and body["scheduler"] == "arrêté"
    assert body["message"] == (
        "Le planificateur ne tourne plus (tâche(s) en retard : Envoi des courriels) : les courriels et "
        "les rappels ne partent pas. Redémarrez `python -m scheduler`."
    )
    jobs = _jobs(body)
    assert jobs["drain_outbox"]["en_retard"] is True and jobs["send_reminders"]["en_retard"] is False
    assert "outbox" in body


def test_a_ten_minute_job_is_late_after_three_periods(client: FlaskClient) -> None:
    _run("drain_outbox", timedelta(seconds=5))
    _run("close_meetings", timedelta(minutes=29))
    assert client.get("/api/v1/health").status_code == 200
    _run("send_reminders", timedelta(minutes=32))
    response = client.get("/api/v1/health")
    assert response.status_code == 503
    assert "Rappels et relances" in response.get_json()["message"]


def test_no_scheduler_ever_and_a_late_email_make_health_503(client: FlaskClient) -> None:
    _message(1, DeliveryState.EN_ATTENTE, due_in=timedelta(minutes=-10))
    db.session.commit()
    response = client.get("/api/v1/health")
    assert response.status_code == 503
    body = response.get_json()
    assert body["outbox"]["en_attente"] == 1 and body["outbox"]["oldest_due_age_seconds"] >= 600
    assert _jobs(body)["drain_outbox"]["en_retard"] is True
    assert "Envoi des courriels" in body["message"]


def test_a_running_outbox_job_with_a_late_email_is_not_an_outage(client: FlaskClient) -> None:
    # An SMTP outage: the scheduler runs, the emails wait for their retry. The figures tell it, not a 503.
    _run("drain_outbox", timedelta(seconds=10))
    _message(1, DeliveryState.ECHEC_TEMPORAIRE, due_in=timedelta(minutes=-10))
    db.session.commit()
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.get_json()["outbox"]["oldest_due_age_seconds"] >= 600


def test_the_lateness_threshold_is_configurable(app: Flask, client: FlaskClient) -> None:
    _run("drain_outbox", timedelta(minutes=10))
    app.config.update(HEALTH_LATE_PERIODS=30, HEALTH_LATE_MARGIN_SECONDS=0)
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert _jobs(response.get_json())["drain_outbox"]["retard_apres_secondes"] == 30 * OUTBOX_SECONDS
    app.config.update(HEALTH_LATE_PERIODS=1, HEALTH_LATE_MARGIN_SECONDS=0)
    assert client.get("/api/v1/health").status_code == 503


def test_a_job_run_by_the_command_counts_as_a_run(
    app: Flask, client: FlaskClient, smtp_server: SmtpSink
) -> None:
    _message(1, DeliveryState.EN_ATTENTE, due_in=timedelta(minutes=-10))
    db.session.commit()
    assert client.get("/api/v1/health").status_code == 503
    # `flask jobs run` records the run as the scheduler does.
    result = app.test_cli_runner().invoke(args=["jobs", "run", "drain_outbox"])
    assert result.exit_code == 0, result.output
    assert "Tâche drain_outbox exécutée : 1 envoyé(s)" in result.output
    assert len(smtp_server.messages) == 1
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["outbox"]["en_attente"] == 0
    assert _jobs(body)["drain_outbox"]["age_seconds"] < 30


def test_a_job_stuck_for_hours_stays_late_behind_the_frequent_runs(client: FlaskClient) -> None:
    # A reminders run that never ended 6 hours ago, while the outbox job ran 550 times since.
    _run("send_reminders", timedelta(hours=6))
    _run("close_meetings", timedelta(minutes=5))
    started = now_utc() - timedelta(seconds=5)
    db.session.add_all(
        JobRun(job_name="drain_outbox", started_at=started, finished_at=started, outcome="ok")
        for _ in range(550)
    )
    db.session.commit()
    response = client.get("/api/v1/health")
    assert response.status_code == 503
    jobs = _jobs(response.get_json())
    assert jobs["send_reminders"]["en_retard"] is True
    assert jobs["send_reminders"]["age_seconds"] >= 6 * 3600
