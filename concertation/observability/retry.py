"""Serving a request a second time when its database connection was lost before anything was committed.

Kept apart from the request log: it is the only part of observability that changes what a user gets
(an answer instead of a 500 after a PostgreSQL restart or failover), and it needs its own hooks: the
lost connection is marked (core/connections.py) from Flask's `got_request_exception` signal or from the
error raised past Flask, and a COMMIT from the engine's `commit` event (`watch_lost_connections`).
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from flask import Flask, got_request_exception, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from concertation.core.connections import ENVIRON_COMMITTED, ENVIRON_LOST_CONNECTION, flag_lost_connection
from concertation.observability.requests import ENVIRON_ATTEMPTS, request_log

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# A request body is kept for a second attempt up to this size (forms); bigger uploads are not retried.
MAX_REPLAY_BYTES = 1024 * 1024
# A request runs at most this many times, pausing before each new attempt: a server that closed every
# connection may still refuse new ones for a moment, or close those opened while it was going down.
MAX_ATTEMPTS = 3
RETRY_PAUSES = (0.05, 0.5)


def watch_lost_connections(app: Flask) -> None:
    """Connect the hooks that tell `RetryLostConnection` a connection was lost, or a COMMIT sent."""
    got_request_exception.connect(_note_lost_connection, app)
    if not event.contains(Engine, "commit", _note_commit):
        event.listen(Engine, "commit", _note_commit)


def _note_lost_connection(sender: Flask, exception: BaseException, **extra: Any) -> None:
    """`got_request_exception`: an error inside the view, which Flask turns into a 500 page."""
    flag_lost_connection(request.environ, exception)


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
    ARCHITECTURE.md rule 3). So it runs again, up to MAX_ATTEMPTS times in all, GET or POST alike, on a
    fresh connection, unless a COMMIT was sent or its body could not be kept. Each failure stays in the log
    (Flask's traceback) with a warning, and the request line says how many attempts it took.
    """

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        body = _replayable_body(environ)
        if body is None:
            return self.app(environ, start_response)
        pristine = dict(environ)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            last = attempt == MAX_ATTEMPTS
            if attempt > 1:
                time.sleep(RETRY_PAUSES[attempt - 2])
                environ.clear()
                environ.update(pristine)
                environ[ENVIRON_ATTEMPTS] = attempt
            environ["wsgi.input"] = io.BytesIO(body)
            try:
                result, answer = self._attempt(environ)
            except Exception as error:  # raised past Flask: the session's teardown failed
                flag_lost_connection(environ, error)
                if not last and self._may_retry(environ, error):
                    continue
                raise
            if not last and answer[0][:3] in ("500", "503") and self._may_retry(environ):
                if hasattr(result, "close"):
                    result.close()
                continue
            start_response(*answer)
            return result
        raise AssertionError("unreachable: the last attempt always answers")

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
