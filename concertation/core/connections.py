"""The mark a request carries when its database connection was lost.

Whoever catches a database error (an error handler, the health check, the WSGI wrapper of
observability/retry.py) marks the request here; `RetryLostConnection` reads the mark to serve the request
again on a fresh connection. Kept in core so that any layer may mark a request without depending on the
app-level observability package.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

ENVIRON_LOST_CONNECTION = "concertation.lost_connection"


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
