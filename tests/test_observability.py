"""Structured logs and request ids: one JSON line per request and per job run, secrets never logged."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from concertation.accounts.models import User
from concertation.core.connections import repeatable_commits
from concertation.extensions import csrf, db
from concertation.invitations.tokens import make_token
from concertation.notifications.feeds import person_feed_token
from concertation.observability import (
    MAX_REPLAY_BYTES,
    JsonFormatter,
    LogHandler,
    TextFormatter,
    configure_logging,
    gunicorn_logconfig,
    log_context,
    log_format,
    logged_job,
    masked_path,
    sane_request_id,
)

Lines = Callable[[], list[dict[str, Any]]]


@pytest.fixture()
def restore_root_logger() -> Iterator[logging.Logger]:
    """Put the root logger's handlers and level back as they were (pytest's own capture included)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield root
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
        for handler in handlers:
            if handler not in root.handlers:
                root.addHandler(handler)
        root.setLevel(level)


@pytest.fixture()
def json_lines(restore_root_logger: logging.Logger) -> Lines:
    """The JSON lines the application writes, as gunicorn would print them."""
    # Alembic's fileConfig (the migrations of the test database) disables the loggers that existed then.
    for name, logger in logging.root.manager.loggerDict.items():
        if isinstance(logger, logging.Logger) and name.startswith(("concertation", "scheduler")):
            logger.disabled = False
    stream = io.StringIO()
    handler = LogHandler(stream)
    handler.setFormatter(JsonFormatter())
    restore_root_logger.addHandler(handler)
    restore_root_logger.setLevel(logging.INFO)
    return lambda: [json.loads(line) for line in stream.getvalue().splitlines()]


def _requests(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in lines if line.get("event") == "request"]


# --- request ids -----------------------------------------------------------------------------------------


def test_a_request_id_is_generated_and_returned(client: FlaskClient) -> None:
    first = client.get("/connexion").headers["X-Request-ID"]
    second = client.get("/connexion").headers["X-Request-ID"]
    assert len(first) == 32 and int(first, 16) >= 0
    assert first != second


def test_a_sane_incoming_request_id_is_kept(client: FlaskClient) -> None:
    for value in ("4f1c2a9e-7d3b-4c55-9a10-1e2d3c4b5a69", "proxy.req:42_a"):
        assert client.get("/connexion", headers={"X-Request-ID": value}).headers["X-Request-ID"] == value


@pytest.mark.parametrize("value", ["", "with spaces", "x" * 129, "a;b", '"><script>', "-leading-dash"])
def test_an_odd_incoming_request_id_is_replaced(client: FlaskClient, value: str) -> None:
    returned = client.get("/connexion", headers={"X-Request-ID": value}).headers["X-Request-ID"]
    assert returned != value and len(returned) == 32
    assert sane_request_id(value) != value


# --- the request line ------------------------------------------------------------------------------------


def test_one_json_line_per_request_with_its_fields(
    client: FlaskClient, login: Callable[..., User], json_lines: Lines
) -> None:
    user = login()
    response = client.get("/reunions/?annee=2027", headers={"X-Request-ID": "essai-1"})
    assert response.status_code == 200
    (line,) = [r for r in _requests(json_lines()) if r["request_id"] == "essai-1"]
    assert line["logger"] == "concertation.request"
    assert line["level"] == "INFO"
    assert line["method"] == "GET"
    assert line["path"] == "/reunions/"
    assert line["endpoint"] == "meetings.index"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["user_id"] == user.id
    assert line["remote_addr"] == "127.0.0.1"
    assert line["ts"].endswith("+00:00")


def test_anonymous_requests_and_unknown_paths_are_logged(client: FlaskClient, json_lines: Lines) -> None:
    client.get("/nulle-part")
    (line,) = _requests(json_lines())
    assert (line["path"], line["status"]) == ("/nulle-part", 404)
    assert line["endpoint"] is None and line["user_id"] is None


def test_the_query_string_is_never_logged(
    client: FlaskClient, login: Callable[..., User], json_lines: Lines
) -> None:
    login()
    client.get("/reunions/?q=valeur-secrete&page=2")
    output = json.dumps(json_lines())
    assert "valeur-secrete" not in output and "page=2" not in output


def test_answer_link_and_personal_feed_tokens_are_masked(
    app: Flask, client: FlaskClient, json_lines: Lines
) -> None:
    answer_token = make_token(app.config["SECRET_KEY"], 12345, 678)
    feed_token = person_feed_token(app.config["SECRET_KEY"], 42)
    client.get(f"/r/{answer_token}?reponse=present")
    client.post(f"/r/{answer_token}", data={"answer": "present"})
    client.get(f"/flux/personne/{feed_token}.ics")
    lines = json_lines()
    output = json.dumps(lines)
    assert answer_token not in output and feed_token not in output
    # Neither may any prefix long enough to matter (the signature part).
    assert answer_token.rsplit(".", 1)[-1] not in output
    paths = [line["path"] for line in _requests(lines)]
    assert paths[0] == paths[1] == masked_path(f"/r/{answer_token}")
    assert paths[0].startswith("/r/***") and len(paths[0]) == len("/r/***") + 8
    assert paths[2].startswith("/flux/personne/***") and paths[2].endswith(".ics")
    # The same token gives the same mark: lines about one link can be followed without revealing it.
    assert masked_path(f"/r/{answer_token}") != masked_path(f"/r/{answer_token}x")


def test_public_feeds_are_not_masked() -> None:
    assert masked_path("/flux/ville/48095.ics") == "/flux/ville/48095.ics"
    assert masked_path("/reunions/3") == "/reunions/3"
    assert masked_path("/x/abc/y", {"reset_token": "abc"}).startswith("/x/***")
    assert masked_path("/r/secret/autre").startswith("/r/***") and "secret" not in masked_path("/r/secret/a")


def test_every_line_during_a_request_carries_its_request_id(
    app: Flask, client: FlaskClient, json_lines: Lines
) -> None:
    def noisy() -> str:
        logging.getLogger("concertation.essai").warning("au milieu de la requête")
        return "ok"

    def broken() -> str:
        raise RuntimeError("panne simulée")

    app.add_url_rule("/_essai/bruit", "essai_bruit", noisy)
    app.add_url_rule("/_essai/panne", "essai_panne", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the 500 page, not a traceback
    client.get("/_essai/bruit", headers={"X-Request-ID": "rid-bruit"})
    response = client.get("/_essai/panne", headers={"X-Request-ID": "rid-panne"})
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "rid-panne"
    lines = json_lines()
    inside = next(line for line in lines if line["message"] == "au milieu de la requête")
    assert inside["request_id"] == "rid-bruit"
    failure = next(line for line in lines if "exc_info" in line)
    assert failure["request_id"] == "rid-panne" and "panne simulée" in failure["exc_info"]
    (logged_500,) = [line for line in _requests(lines) if line["request_id"] == "rid-panne"]
    assert logged_500["status"] == 500
    # Outside a request, no request id.
    logging.getLogger("concertation.essai").warning("hors requête")
    assert "request_id" not in json_lines()[-1]


def test_text_format_shows_the_request_id() -> None:
    record = logging.LogRecord("concertation.request", logging.INFO, __file__, 1, "GET / 200", (), None)
    record.request_id = "abc123"
    line = TextFormatter().format(record)
    assert "[abc123] concertation.request: GET / 200" in line
    plain = logging.LogRecord("scheduler", logging.INFO, __file__, 1, "démarré", (), None)
    assert "] " not in TextFormatter().format(plain).split("scheduler:")[0][24:]


# --- configuration ---------------------------------------------------------------------------------------


def test_log_format_is_json_in_production_and_text_in_development() -> None:
    assert log_format({"CONCERTATION_ENV": "production"}) == "json"
    assert log_format({"CONCERTATION_ENV": "development"}) == "text"
    assert log_format({}) == "text"
    assert log_format({"CONCERTATION_ENV": "production", "LOG_FORMAT": "text"}) == "text"
    assert log_format({"LOG_FORMAT": "JSON"}) == "json"
    assert log_format({"CONCERTATION_ENV": "production", "LOG_FORMAT": "xml"}) == "json"


def test_configure_logging_installs_a_single_handler(restore_root_logger: logging.Logger) -> None:
    root = restore_root_logger
    first, second = io.StringIO(), io.StringIO()
    configure_logging("json", stream=first)
    configure_logging("json", stream=second)
    ours = [h for h in root.handlers if isinstance(h, LogHandler)]
    assert len(ours) == 1 and isinstance(ours[0].formatter, JsonFormatter)
    # Without arguments it keeps whatever is there (gunicorn's configuration, the scheduler's).
    configure_logging()
    assert [h for h in root.handlers if isinstance(h, LogHandler)] == ours
    with log_context(request_id="r-1"):
        logging.getLogger("concertation.essai").warning("bonjour é")
    line = json.loads(second.getvalue().splitlines()[-1])
    assert line["message"] == "bonjour é" and line["request_id"] == "r-1" and line["level"] == "WARNING"
    assert first.getvalue() == ""


def test_gunicorn_logconfig_routes_gunicorn_and_the_app_to_one_json_handler(
    restore_root_logger: logging.Logger,
) -> None:
    gunicorn_error = logging.getLogger("gunicorn.error")
    saved = (list(gunicorn_error.handlers), gunicorn_error.propagate, gunicorn_error.level)
    try:
        logging.config.dictConfig(gunicorn_logconfig("json"))
        (handler,) = [h for h in restore_root_logger.handlers if isinstance(h, LogHandler)]
        assert isinstance(handler.formatter, JsonFormatter)
        assert gunicorn_error.handlers == [] and gunicorn_error.propagate
        assert logging.getLogger("gunicorn.access").propagate is False
    finally:
        gunicorn_error.handlers[:] = saved[0]
        gunicorn_error.propagate, gunicorn_error.level = saved[1], saved[2]


def test_the_app_configures_logging_outside_tests_only(
    database_url: str, restore_root_logger: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concertation import create_app
    from config import Config

    root = restore_root_logger
    for handler in list(root.handlers):
        root.removeHandler(handler)
    monkeypatch.setenv("LOG_FORMAT", "json")
    app = create_app(Config, SECRET_KEY="x", SQLALCHEMY_DATABASE_URI=database_url)
    assert app.config["LOG_FORMAT"] == "json"
    (handler,) = root.handlers
    assert isinstance(handler, LogHandler) and isinstance(handler.formatter, JsonFormatter)
    assert not app.logger.handlers  # Flask's default handler would print every line twice


# --- job runs --------------------------------------------------------------------------------------------


def test_each_job_run_writes_one_line(json_lines: Lines) -> None:
    def work() -> None:
        logging.getLogger("scheduler.jobs").info("outbox: 3 envoyé(s)")

    def failing() -> None:
        raise RuntimeError("SMTP en panne")

    logged_job("drain_outbox", work)()
    with pytest.raises(RuntimeError):
        logged_job("send_reminders", failing)()
    lines = json_lines()
    inside = next(line for line in lines if line["message"] == "outbox: 3 envoyé(s)")
    runs = [line for line in lines if line.get("event") == "job"]
    assert [(r["job"], r["outcome"], r["level"]) for r in runs] == [
        ("drain_outbox", "ok", "INFO"),
        ("send_reminders", "erreur", "ERROR"),
    ]
    assert all(isinstance(r["duration_ms"], float) for r in runs)
    assert inside["job"] == "drain_outbox" and inside["job_run"] == runs[0]["job_run"]
    assert runs[0]["job_run"] != runs[1]["job_run"]


def test_the_scheduler_logs_json_and_wraps_its_jobs_when_asked(
    restore_root_logger: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scheduler import runner
    from scheduler.jobs import JOBS

    monkeypatch.setenv("LOG_FORMAT", "json")
    runner.configure_logging()
    assert any(
        isinstance(h, LogHandler) and isinstance(h.formatter, JsonFormatter)
        for h in restore_root_logger.handlers
    )
    scheduled = {job.id: job.func for job in runner.build_scheduler(JOBS).get_jobs()}
    assert all(scheduled[job.name].__wrapped__ is job.func for job in JOBS)  # type: ignore[attr-defined]
    monkeypatch.setenv("LOG_FORMAT", "text")
    scheduled = {job.id: job.func for job in runner.build_scheduler(JOBS).get_jobs()}
    assert all(scheduled[job.name] is job.func for job in JOBS)


# --- a lost database connection ------------------------------------------------------------------------


def _lost_connection() -> OperationalError:
    return OperationalError(
        "SELECT 1", {}, Exception("server closed the connection unexpectedly"), connection_invalidated=True
    )


@pytest.fixture()
def flaky(app: Flask) -> dict[str, Any]:
    """Routes whose first run loses its database connection, as when PostgreSQL restarts."""
    state: dict[str, Any] = {
        "runs": 0,
        "forms": [],
        "fail": 1,
        "commit_first": False,
        "repeatable_first": False,
        "lost": True,
    }

    def view() -> str:
        state["runs"] += 1
        state["forms"].append(dict(request.form))
        if state["repeatable_first"]:
            with repeatable_commits():
                db.session.execute(text("SELECT 1"))
                db.session.commit()
        if state["commit_first"]:
            db.session.execute(text("SELECT 1"))
            db.session.commit()
        if state["runs"] <= state["fail"]:
            if state["lost"]:
                raise _lost_connection()
            raise OperationalError("SELECT 1", {}, Exception("syntax error"))
        return f"réussi au passage {state['runs']}"

    app.add_url_rule("/_essai/base", "essai_base", csrf.exempt(view), methods=["GET", "POST"])
    app.add_url_rule("/api/_essai/base", "essai_api", csrf.exempt(view), methods=["GET"])
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return state


def test_a_request_that_lost_its_connection_is_served_again(
    client: FlaskClient, flaky: dict[str, Any], json_lines: Lines
) -> None:
    response = client.get("/_essai/base", headers={"X-Request-ID": "rid-rejeu"})
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "réussi au passage 2"
    lines = json_lines()
    (warning,) = [line for line in lines if line.get("event") == "retry"]
    assert warning["level"] == "WARNING" and warning["request_id"] == "rid-rejeu"
    assert "server closed the connection" in warning["error"]
    (logged,) = _requests(lines)
    assert (logged["status"], logged["attempts"], logged["request_id"]) == (200, 2, "rid-rejeu")
    # The first failure is not hidden: its traceback is in the log too.
    assert any("exc_info" in line and line["request_id"] == "rid-rejeu" for line in lines)


def test_a_form_is_posted_again_with_the_same_fields(client: FlaskClient, flaky: dict[str, Any]) -> None:
    response = client.post("/_essai/base", data={"answer": "present", "comment": "Réunion à Mende"})
    assert response.status_code == 200
    assert flaky["forms"] == [{"answer": "present", "comment": "Réunion à Mende"}] * 2


def test_no_second_run_after_a_commit(client: FlaskClient, flaky: dict[str, Any]) -> None:
    # Whether the lost COMMIT was done nobody knows: not run again, and the user is told to look first.
    flaky["commit_first"] = True
    response = client.post("/_essai/base", data={"a": "1"})
    assert response.status_code == 503
    assert flaky["runs"] == 1
    page = response.get_data(as_text=True)
    assert "il a pu aboutir ou non" in page and 'href="/_essai/base"' in page
    flaky["fail"] = 2
    api = client.get("/api/_essai/base")
    assert flaky["runs"] == 2 and api.status_code == 503
    assert "relisez la ressource" in api.get_data(as_text=True)


def test_a_repeatable_commit_does_not_stop_the_second_run(client: FlaskClient, flaky: dict[str, Any]) -> None:
    # The secret links' rate-limit count is committed that way before the page runs (guards.py).
    flaky["repeatable_first"] = True
    assert client.post("/_essai/base", data={"a": "1"}).status_code == 200
    assert flaky["runs"] == 2
    flaky.update(runs=0, commit_first=True)
    assert client.post("/_essai/base", data={"a": "1"}).status_code == 503
    assert flaky["runs"] == 1


def test_other_database_errors_are_not_retried(client: FlaskClient, flaky: dict[str, Any]) -> None:
    flaky["lost"] = False
    assert client.get("/_essai/base").status_code == 500
    assert flaky["runs"] == 1


def test_a_request_is_tried_three_times_at_most(
    client: FlaskClient, flaky: dict[str, Any], json_lines: Lines
) -> None:
    flaky["fail"] = 2
    response = client.get("/_essai/base")
    assert response.get_data(as_text=True) == "réussi au passage 3"
    assert _requests(json_lines())[0]["attempts"] == 3

    flaky.update(runs=0, fail=5)
    response = client.get("/_essai/base")
    assert flaky["runs"] == 3
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "Service momentanément indisponible" in page and "Rien n'a été enregistré" in page


def test_the_api_says_unavailable_in_json(client: FlaskClient, flaky: dict[str, Any]) -> None:
    flaky["fail"] = 5
    response = client.get("/api/_essai/base")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.is_json and "indisponible" in response.get_data(as_text=True)


def test_a_refused_connection_is_retried(client: FlaskClient, flaky: dict[str, Any], app: Flask) -> None:
    """PostgreSQL still starting: the connection cannot even be opened (no statement ran)."""
    runs = {"n": 0}

    def refused() -> str:
        runs["n"] += 1
        if runs["n"] == 1:
            raise OperationalError(None, None, Exception("connection refused"))
        return "ouvert"

    app.add_url_rule("/_essai/refus", "essai_refus", refused)
    assert client.get("/_essai/refus").get_data(as_text=True) == "ouvert" and runs["n"] == 2


def test_large_uploads_are_not_kept_for_a_second_run(client: FlaskClient, flaky: dict[str, Any]) -> None:
    # Not run again, but nothing was committed: the honest answer is "unavailable, try again".
    assert client.post("/_essai/base", data={"f": "x" * (MAX_REPLAY_BYTES + 1)}).status_code == 503
    assert flaky["runs"] == 1


def test_a_teardown_on_a_dead_connection_is_retried_too(
    app: Flask, client: FlaskClient, json_lines: Lines
) -> None:
    """Flask-SQLAlchemy's teardown rolls back; on a closed connection that raises past Flask."""
    runs = {"teardowns": 0}

    @app.teardown_request  # the tests keep one app context open: a request teardown stands for it
    def rollback_on_dead_connection(error: BaseException | None) -> None:
        runs["teardowns"] += 1
        if runs["teardowns"] == 1:
            raise _lost_connection()

    response = client.get("/connexion")
    assert response.status_code == 200 and runs["teardowns"] == 2
    # Flask never saw this failure: the retry warning carries its traceback.
    (warning,) = [line for line in json_lines() if line.get("event") == "retry"]
    assert "server closed the connection" in warning["exc_info"]


def test_health_answers_ok_when_only_its_connection_was_lost(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, json_lines: Lines
) -> None:
    from concertation.api import health

    real = health.outbox_state
    calls = {"n": 0}

    def first_call_loses_its_connection() -> dict[str, Any]:
        calls["n"] += 1
        if calls["n"] == 1:
            raise _lost_connection()
        return real()

    monkeypatch.setattr(health, "outbox_state", first_call_loses_its_connection)
    response = client.get("/api/v1/health")
    assert response.status_code == 200 and response.get_json()["database"] == "ok"
    assert _requests(json_lines())[0]["attempts"] == 2

    # The database stays away: after its attempts, the probe says so.
    monkeypatch.setattr(health, "outbox_state", lambda: (_ for _ in ()).throw(_lost_connection()))
    response = client.get("/api/v1/health")
    assert response.status_code == 503 and response.get_json()["database"] == "injoignable"
