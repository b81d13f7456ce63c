"""Structured logs and request ids.

- `LOG_FORMAT=json` (the default in production, `text` elsewhere): every log line is one JSON object;
- every request gets an id, taken from a sane incoming `X-Request-ID` header or generated, returned in the
  `X-Request-ID` response header and carried by every log line emitted while the request runs (a
  contextvar stamped on each record by `ContextFilter`);
- one line per request (`concertation.request`): method, path (answer-link and personal-feed tokens
  masked, never the query string), endpoint, status, duration_ms, user_id, remote_addr;
- one line per scheduler job run (`scheduler.run`): job, outcome, duration_ms (`logged_job`);
- a request whose database connection is lost before anything was committed (PostgreSQL restarted or
  failed over) is served a second time instead of answering 500 (`RetryLostConnection`), with a warning.

The app configures the root logger when it is not under test; gunicorn configures it first through
`gunicorn_logconfig()` (gunicorn.conf.py), and `configure_logging` then leaves it alone.

Modules: `logs` (context, formatters, handler, configuration), `requests` (request ids, path masking,
the request line), `retry` (the second attempt after a lost connection), `jobs` (the job run line).
This package wires them into the app and re-exports what the app factory, gunicorn.conf.py, the
scheduler and the tests import.
"""

from __future__ import annotations

from flask import Flask

from concertation.observability.jobs import logged_job
from concertation.observability.logs import (
    ContextFilter,
    JsonFormatter,
    LogHandler,
    TextFormatter,
    configure_logging,
    gunicorn_logconfig,
    log_context,
    log_format,
)
from concertation.observability.requests import (
    REQUEST_ID_HEADER,
    RequestLogMiddleware,
    masked_path,
    note_request,
    sane_request_id,
)
from concertation.observability.retry import MAX_REPLAY_BYTES, RetryLostConnection, watch_lost_connections

__all__ = [
    "MAX_REPLAY_BYTES",
    "REQUEST_ID_HEADER",
    "ContextFilter",
    "JsonFormatter",
    "LogHandler",
    "RequestLogMiddleware",
    "RetryLostConnection",
    "TextFormatter",
    "configure_logging",
    "gunicorn_logconfig",
    "log_context",
    "log_format",
    "logged_job",
    "masked_path",
    "register_observability",
    "sane_request_id",
]


def register_observability(app: Flask) -> None:
    """Logging (unless under test, where pytest owns it), request ids, the request log line, the retry."""
    app.config.setdefault("LOG_FORMAT", log_format())
    if not app.testing:
        configure_logging()
        from flask.logging import default_handler

        # Our root handler prints the app's lines: Flask's own would print them twice.
        app.logger.removeHandler(default_handler)
    app.after_request(note_request)
    watch_lost_connections(app)
    # The request line wraps the retry, so that a request served twice is logged once ("attempts": 2).
    app.wsgi_app = RequestLogMiddleware(RetryLostConnection(app.wsgi_app))  # type: ignore[method-assign]
