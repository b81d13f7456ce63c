"""Request ids and the one log line per request, with the secrets of a path masked.

The id is set by a WSGI middleware rather than a Flask hook so that it covers the whole request,
including a second attempt by `RetryLostConnection` and errors raised past Flask. What only the
request context knows (endpoint, user, masked path) is noted by an `after_request` hook and read back
by the middleware when it writes the line.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from flask import Response, g, request

from concertation.observability.logs import log_context

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept only if it is short and made of harmless characters (it is echoed and logged).
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
# Paths whose last part is a secret: the answer links and the personal calendar feeds.
SECRET_PATHS = re.compile(r"^(/r/|/flux/personne/|/mot-de-passe/)([^/]+?)(\.ics)?(/.*)?$")
ENVIRON_REQUEST_ID = "concertation.request_id"
ENVIRON_LOG = "concertation.log"
ENVIRON_ATTEMPTS = "concertation.attempts"

request_log = logging.getLogger("concertation.request")


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


def note_request(response: Response) -> Response:
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
