"""Access control for the HTML pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import abort
from flask_login import current_user, login_required

from concertation.core.roles import UserRole

P = ParamSpec("P")
R = TypeVar("R")


def role_required(role: UserRole) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Require a logged-in user whose role includes `role` (403 otherwise)."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            if not current_user.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        return login_required(wrapped)

    return decorator


reader_required = role_required(UserRole.LECTEUR)
organiser_required = role_required(UserRole.ORGANISATEUR)
admin_required = role_required(UserRole.ADMIN)
