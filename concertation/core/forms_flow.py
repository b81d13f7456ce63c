"""The transaction step of a route that calls a service: commit on success, roll back on a domain error.

A route owns its transaction (ARCHITECTURE rule 3); these helpers replace the `try / except: rollback /
else: commit` block that each POST view wrote out. The route still decides what to show: the error is
returned (or flashed), never swallowed silently.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import flash

from concertation.extensions import db

T = TypeVar("T")
E = TypeVar("E", bound=Exception)


def commit_or_rollback(action: Callable[[], T], catch: type[E]) -> T | E:
    """Run `action` and commit, returning its result; if it raises `catch`, roll back and return the error.

    Any other exception propagates (the request's teardown rolls back). Callers tell the two outcomes
    apart with `isinstance(outcome, catch)`, so `action` must not itself return a `catch` instance.
    """
    try:
        result = action()
    except catch as error:
        db.session.rollback()
        return error
    db.session.commit()
    return result


def commit_or_flash(
    action: Callable[[], object], catch: type[Exception], *, category: str = "danger"
) -> bool:
    """Like `commit_or_rollback`, for an action whose result the route does not need: the error's message
    (written for the user) is flashed with `category`. True when the action was committed."""
    outcome = commit_or_rollback(action, catch)
    if isinstance(outcome, catch):
        flash(str(outcome), category)
        return False
    return True
