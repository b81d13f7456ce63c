"""The mark a request carries when its database connection was lost.

Whoever catches a database error (an error handler, the health check, the WSGI wrapper of
observability/retry.py) marks the request here; `RetryLostConnection` reads the mark to serve the request
again on a fresh connection. Kept in core so that any layer may mark a request without depending on the
app-level observability package.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

from flask import has_request_context, request

ENVIRON_LOST_CONNECTION = "concertation.lost_connection"
# Set before a request's first COMMIT is sent: from then on, running it again could do things twice.
ENVIRON_COMMITTED = "concertation.committed"


def flag_lost_connection(environ: MutableMapping[str, Any], error: BaseException) -> bool:
    """Mark the request if `error` is the loss of its database connection (a statement, or the ROLLBACK
    of Flask-SQLAlchemy's teardown, ran on a connection the server had closed)."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    # Without a statement, an OperationalError is a connection that could not be opened: nothing ran.
    refused = isinstance(error, OperationalError) and error.statement is None
    if isinstance(error, DBAPIError) and (error.connection_invalidated or refused):
        environ[ENVIRON_LOST_CONNECTION] = f"{type(error).__name__}: {error.orig}"[:300]
        return True
    return False


@contextmanager
def repeatable_commits() -> Iterator[None]:
    """Commits made inside do not stop the request from being served again after a lost connection.

    Only for writes that may happen twice without harm: a rate-limit count (one request counted twice
    after a database restart). A COMMIT cut by the restart leaves the request's state unknown, and the
    retry must still be allowed to answer it, rather than the élu getting a 500 for a counter.
    """
    if not has_request_context():
        yield
        return
    before = request.environ.get(ENVIRON_COMMITTED)
    try:
        yield
    finally:
        if before is None:
            request.environ.pop(ENVIRON_COMMITTED, None)
        else:
            request.environ[ENVIRON_COMMITTED] = before
