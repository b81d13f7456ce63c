"""Bearer-token authentication of the API, and the blueprint class that enforces it.

Every API blueprint is an `ApiBlueprint`: unless it is declared public, each of its requests must carry
`Authorization: Bearer <token>` (401 otherwise), and a write (any method but GET/HEAD/OPTIONS) needs the
`organisateur` role (403 otherwise). Protection is the blueprint's default, so a route added later cannot
forget it. Then text the database cannot hold (a NUL character...) is a 400, see `concertation.guards`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from flask import g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.exceptions import HTTPException, default_exceptions

from concertation.accounts import tokens
from concertation.accounts.models import UserRole
from concertation.api.errors import api_abort, json_error
from concertation.core.requests import refuse_unstorable_text

BEARER_SCHEME = "bearerAuth"
BEARER_SECURITY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": (
        "Jeton créé dans la page « Mon compte » ou avec `flask users token ADRESSE` (valable 90 jours par "
        "défaut) ; en-tête `Authorization: Bearer <jeton>`."
    ),
}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READ_ROLE = UserRole.LECTEUR
WRITE_ROLE = UserRole.ORGANISATEUR


def bearer_token() -> str | None:
    """The token of the request's `Authorization: Bearer ...` header, if any."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticate(write_role: UserRole = WRITE_ROLE) -> None:
    """Before every request of a protected blueprint: identify the account and check its role."""
    token = bearer_token()
    checked = tokens.check(token) if token else tokens.TokenCheck(None)
    user = checked.user
    if user is None:
        challenge = 'Bearer realm="concertation"'
        if token:
            challenge += ', error="invalid_token"'
        api_abort(401, checked.refusal or None, headers={"WWW-Authenticate": challenge})
    if checked.touched:
        # The token's last use, written apart from the request's own work.
        tokens.commit_use()
    required = READ_ROLE if request.method in SAFE_METHODS else write_role
    if not user.has_role(required):
        api_abort(403, f"Cette opération demande le rôle « {required.label} ».")
    g.api_user = user


class ApiBlueprint(Blueprint):
    """A flask-smorest blueprint whose errors are JSON and whose routes require a bearer token.

    `public=True` (the health check) skips authentication; `write_role` is the role its writes need
    (the reference data that decides who is invited is the admin's).
    """

    def __init__(
        self, *args: Any, public: bool = False, write_role: UserRole = WRITE_ROLE, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.is_public = public
        self.write_role = write_role
        # Flask prefers a handler registered for the status code over one for the class, then the
        # blueprint's over the application's: one per code beats the HTML error pages.
        for code in default_exceptions:
            self.register_error_handler(code, json_error)
        self.register_error_handler(HTTPException, json_error)
        if not public:
            self.before_request(partial(authenticate, write_role))
        self.before_request(refuse_unstorable_text)

    def route(
        self, rule: str, *, parameters: Any = None, tags: Any = None, **options: Any
    ) -> Callable[..., Any]:
        """Register the route, documenting its 404 answer (an address with a parameter), its security
        requirement and its 401/403 answers."""
        register = super().route(rule, parameters=parameters, tags=tags, **options)
        # "/meetings/<int:meeting_id>" names a resource: 404 when there is none.
        names_resource = "<" in rule

        def decorator(view: Any) -> Any:
            if isinstance(view, type) and issubclass(view, MethodView):
                for method in view.methods or ():
                    name = method.lower()
                    setattr(view, name, self._document(getattr(view, name), {method}, names_resource))
                return register(view)
            methods = set(options.get("methods", ["GET"]))
            return register(self._document(view, methods, names_resource))

        return decorator

    def _document(
        self, func: Callable[..., Any], methods: set[str], names_resource: bool
    ) -> Callable[..., Any]:
        if names_resource:
            func = self.alt_response(404, response="NOT_FOUND")(func)
        if self.is_public:
            return func
        func = self.doc(security=[{BEARER_SCHEME: []}])(func)
        func = self.alt_response(401, response="UNAUTHORIZED")(func)
        if methods - SAFE_METHODS:
            func = self.alt_response(403, response="FORBIDDEN")(func)
        return func
