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
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any

from flask import Flask, Response, g, got_request_exception, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept only if it is short and made of harmless characters (it is echoed and logged).
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
# Paths whose last part is a secret: the answer links and the personal calendar feeds.
SECRET_PATHS = re.compile(r"^(/r/|/flux/personne/)([^/]+?)(\.ics)?(/.*)?$")
ENVIRON_REQUEST_ID = "concertation.request_id"
ENVIRON_LOG = "concertation.log"
ENVIRON_ATTEMPTS = "concertation.attempts"
ENVIRON_LOST_CONNECTION = "concertation.lost_connection"
ENVIRON_COMMITTED = "concertation.committed"
# A request body is kept for a second attempt up to this size (forms); bigger uploads are not retried.
MAX_REPLAY_BYTES = 1024 * 1024

request_log = logging.getLogger("concertation.request")
job_log = logging.getLogger("scheduler.run")

# What the current request or job adds to every log line: {"request_id": ...} or {"job": ..., ...}.
_log_context: ContextVar[Mapping[str, Any] | None] = ContextVar("concertation_log_context", default=None)

# Attributes every LogRecord has: anything else on a record came from `extra=` and is logged as a field.
_RECORD_ATTRIBUTES = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__.keys() | {"message", "asctime", "taskName"}
)
_CONTEXT_KEYS = ("request_id", "job", "job_run")


# ------------------------------------------------------------------------------------------- formatting


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Add `fields` (request_id, job, ...) to every log line emitted inside the block."""
    token = _log_context.set({**(_log_context.get() or {}), **fields})
    try:
        yield
    finally:
        _log_context.reset(token)


class ContextFilter(logging.Filter):
    """Stamps each record with the current request id or job, so that every handler can print them."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in (_log_context.get() or {}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


def _extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {
        key: value
        for key, value in record.__dict__.items()
        if key not in _RECORD_ATTRIBUTES and not key.startswith("_")
    }


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, then the context and `extra=` fields."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        payload.update(_extra_fields(record))
        if record.exc_info:
            payload["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            payload["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """A readable line for development: time, level, [request id or job], logger, message."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(context)s%(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        parts = [str(getattr(record, key)) for key in _CONTEXT_KEYS if getattr(record, key, None)]
        # Set for this format only: `context` is not a LogRecord attribute, hence setattr.
        setattr(record, "context", f"[{' '.join(parts)}] " if parts else "")  # noqa: B010
        try:
            return super().format(record)
        finally:
            delattr(record, "context")


class LogHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler the application installs on the root logger: stderr, with the context filter."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        super().__init__(stream if stream is not None else sys.stderr)
        self.addFilter(ContextFilter())


def log_format(environ: Mapping[str, str] | None = None) -> str:
    """`json` or `text`: LOG_FORMAT, else json in production and text elsewhere."""
    environ = os.environ if environ is None else environ
    chosen = environ.get("LOG_FORMAT", "").strip().lower()
    if chosen in ("json", "text"):
        return chosen
    return "json" if environ.get("CONCERTATION_ENV") == "production" else "text"


def configure_logging(
    fmt: str | None = None, *, level: str | int | None = None, stream: IO[str] | None = None
) -> None:
    """Install one `LogHandler` on the root logger; an earlier one of ours is replaced.

    Without arguments it only fills a gap: if the root logger already has a handler (gunicorn's
    configuration from gunicorn.conf.py, the scheduler's), that configuration is kept as it is.
    """
    root = logging.getLogger()
    if root.handlers and fmt is None and stream is None:
        return
    ours = [h for h in root.handlers if isinstance(h, LogHandler)]
    for handler in ours:
        root.removeHandler(handler)
    handler = LogHandler(stream)
    handler.setFormatter(JsonFormatter() if (fmt or log_format()) == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(level or os.environ.get("LOG_LEVEL", "INFO").upper())


def gunicorn_logconfig(fmt: str | None = None) -> dict[str, Any]:
    """gunicorn's `logconfig_dict`: its own messages and the app's share one handler; no access log."""
    formatter = JsonFormatter if (fmt or log_format()) == "json" else TextFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"app": {"()": f"{__name__}.{formatter.__name__}"}},
        "handlers": {"app": {"class": f"{__name__}.LogHandler", "formatter": "app"}},
        "root": {"level": os.environ.get("LOG_LEVEL", "INFO").upper(), "handlers": ["app"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        },
    }


# ----------------------------------------------------------------------------------------------- requests


def sane_request_id(value: str | None) -> str:
    """The incoming id if it looks like one (at most 128 safe characters), else a new random one."""
    if value and SANE_REQUEST_ID.match(value):
        return value
    return uuid.uuid4().hex


def _token_mark(token: str) -> str:
    """A short, non-reversible mark of a secret: enough to correlate lines, useless to an attacker."""
    return "***" + hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()[:8]


def masked_path(path: str, view_args: Mapping[str, Any] | None = None) -> str:
    """The path with the secrets it carries replaced by a mark (answer links, personal feeds, any <token>)."""
    match = SECRET_PATHS.match(path)
    if match:
        prefix, token, suffix, rest = match.groups()
        return f"{prefix}{_token_mark(token)}{suffix or ''}{rest or ''}"
    for name, value in (view_args or {}).items():
        if "token" in name and isinstance(value, str) and value:
            path = path.replace(value, _token_mark(value))
    return path


def _user_id() -> int | str | None:
    """The logged-in account, without a query: the user Flask-Login or the API already loaded."""
    from sqlalchemy import inspect

    user = g.get("api_user") or g.get("_login_user")
    if user is None:
        return None
    state = inspect(user, raiseerr=False)
    if state is None or not state.identity:
        return None
    return state.identity[0]


def _after_request(response: Response) -> Response:
    """Return the request id and note what the request log line needs from the request context."""
    environ = request.environ
    request_id = environ.get(ENVIRON_REQUEST_ID) or sane_request_id(None)
    response.headers[REQUEST_ID_HEADER] = request_id
    environ[ENVIRON_LOG] = {
        "endpoint": request.endpoint,
        "path": masked_path(request.path, request.view_args),
        "user_id": _user_id(),
    }
    return response


class RequestLogMiddleware:
    """WSGI middleware: sets the request id for the whole request and writes its log line at the end."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request_id = sane_request_id(environ.get("HTTP_X_REQUEST_ID"))
        environ[ENVIRON_REQUEST_ID] = request_id
        started = time.perf_counter()
        status: list[int] = []

        def recording_start_response(
            status_line: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            status.append(int(status_line.split(" ", 1)[0]))
            return start_response(status_line, headers, exc_info)

        with log_context(request_id=request_id):
            try:
                return self.app(environ, recording_start_response)
            except Exception:
                status.append(500)
                raise
            finally:
                self._log(environ, status[-1] if status else 500, started)

    @staticmethod
    def _log(environ: WSGIEnvironment, status: int, started: float) -> None:
        noted: dict[str, Any] = environ.get(ENVIRON_LOG) or {}
        method = environ.get("REQUEST_METHOD", "")
        path = noted.get("path") or masked_path(environ.get("PATH_INFO", ""))
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        request_log.info(
            "%s %s %s %.1f ms",
            method,
            path,
            status,
            duration_ms,
            extra={
                "event": "request",
                "method": method,
                "path": path,
                "endpoint": noted.get("endpoint"),
                "status": status,
                "duration_ms": duration_ms,
                "user_id": noted.get("user_id"),
                "remote_addr": environ.get("REMOTE_ADDR"),
                "attempts": environ.get(ENVIRON_ATTEMPTS, 1),
            },
        )


# ------------------------------------------------------------------------------- lost database connections


def _flag_lost_connection(environ: WSGIEnvironment, error: BaseException) -> None:
    """Mark the request if `error` is the loss of its database connection (a statement, or the ROLLBACK
    of Flask-SQLAlchemy's teardown, ran on a connection the server had closed)."""
    from sqlalchemy.exc import DBAPIError

    if isinstance(error, DBAPIError) and error.connection_invalidated:
        environ[ENVIRON_LOST_CONNECTION] = f"{type(error).__name__}: {error.orig}"[:300]


def _note_lost_connection(sender: Flask, exception: BaseException, **extra: Any) -> None:
    """`got_request_exception`: an error inside the view, which Flask turns into a 500 page."""
    _flag_lost_connection(request.environ, exception)


def _note_commit(connection: Any) -> None:
    """Engine `commit` event, before the COMMIT is sent: from then on, running the request again could
    do things twice (and if the connection dies during the COMMIT, nobody knows whether it happened)."""
    if has_request_context():
        request.environ[ENVIRON_COMMITTED] = True


def _replayable_body(environ: WSGIEnvironment) -> bytes | None:
    """The request body, read once so that it can be given again; None if it cannot be kept."""
    length = environ.get("CONTENT_LENGTH") or ""
    if not length:
        return None if environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked" else b""
    try:
        size = int(length)
    except ValueError:
        return None
    if size > MAX_REPLAY_BYTES:
        return None
    body: bytes = environ["wsgi.input"].read(size)
    return body


def _no_write(data: bytes) -> object:
    raise RuntimeError("WSGI write() is not supported while a request may be retried")


class RetryLostConnection:
    """Serve a request a second time when its database connection was lost before anything was committed.

    A restart or failover of PostgreSQL closes the connections in use; pool_pre_ping only protects those
    waiting in the pool. A request caught on such a connection changed nothing: its transaction died with
    the connection, and requests have no other effect (an email is an outbox row of that same transaction,
    ARCHITECTURE.md rule 3). So it runs again, once, GET or POST alike, on a fresh connection, unless a
    COMMIT was sent or its body could not be kept. The first failure stays in the log (Flask's traceback)
    with a warning, and the request line says `"attempts": 2`.
    """

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        body = _replayable_body(environ)
        if body is None:
            return self.app(environ, start_response)
        pristine = dict(environ)
        for attempt in (1, 2):
            if attempt == 2:
                environ.clear()
                environ.update(pristine)
                environ[ENVIRON_ATTEMPTS] = 2
            environ["wsgi.input"] = io.BytesIO(body)
            try:
                result, answer = self._attempt(environ)
            except Exception as error:  # raised past Flask: the session's teardown failed
                _flag_lost_connection(environ, error)
                if attempt == 1 and self._may_retry(environ, error):
                    continue
                raise
            if attempt == 1 and answer[0].startswith("500") and self._may_retry(environ):
                if hasattr(result, "close"):
                    result.close()
                continue
            start_response(*answer)
            return result
        raise AssertionError("unreachable: the second attempt always answers")

    def _attempt(
        self, environ: WSGIEnvironment
    ) -> tuple[Iterable[bytes], tuple[str, list[tuple[str, str]], Any]]:
        """Run the application, keeping its status and headers until we know the answer is final."""
        answer: list[tuple[str, list[tuple[str, str]], Any]] = []

        def keep(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            answer[:] = [(status, headers, exc_info)]
            return _no_write

        result = self.app(environ, keep)
        return result, answer[0]

    @staticmethod
    def _may_retry(environ: WSGIEnvironment, error: BaseException | None = None) -> bool:
        """True if the request may run again; says so in the log (with the traceback Flask did not log)."""
        lost = environ.get(ENVIRON_LOST_CONNECTION)
        if not lost or environ.get(ENVIRON_COMMITTED):
            return False
        request_log.warning(
            "database connection lost before any commit (%s): the request is served again",
            lost,
            exc_info=error,
            extra={"event": "retry", "error": lost},
        )
        return True


def register_observability(app: Flask) -> None:
    """Logging (unless under test, where pytest owns it), request ids, the request log line, the retry."""
    app.config.setdefault("LOG_FORMAT", log_format())
    if not app.testing:
        configure_logging()
        from flask.logging import default_handler

        # Our root handler prints the app's lines: Flask's own would print them twice.
        app.logger.removeHandler(default_handler)
    app.after_request(_after_request)
    got_request_exception.connect(_note_lost_connection, app)
    if not event.contains(Engine, "commit", _note_commit):
        event.listen(Engine, "commit", _note_commit)
    app.wsgi_app = RequestLogMiddleware(RetryLostConnection(app.wsgi_app))  # type: ignore[method-assign]


# ---------------------------------------------------------------------------------------------- job runs


def logged_job(name: str, func: Callable[[], None]) -> Callable[[], None]:
    """`func` wrapped so that each run logs one line (job, outcome, duration_ms) and tags the lines inside."""

    @functools.wraps(func)
    def run() -> None:
        started = time.perf_counter()
        outcome = "erreur"
        with log_context(job=name, job_run=uuid.uuid4().hex[:12]):
            try:
                func()
                outcome = "ok"
            finally:
                duration_ms = round((time.perf_counter() - started) * 1000, 1)
                job_log.log(
                    logging.INFO if outcome == "ok" else logging.ERROR,
                    "job %s %s in %.1f ms",
                    name,
                    outcome,
                    duration_ms,
                    extra={"event": "job", "outcome": outcome, "duration_ms": duration_ms},
                )

    return run
