"""JSON errors of the API, with French messages, and the transaction step of its writes.

Every error of the API has the shape of flask-smorest's documented error schema:
``{"code": 422, "status": "Unprocessable Entity", "message": "...", "errors": {...}}``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

from flask import Flask, Response, jsonify, render_template, request
from flask_smorest import Api
from flask_smorest import abort as smorest_abort
from werkzeug.exceptions import HTTPException

from concertation.core.requests import is_api_request
from concertation.core.routing import Errors
from concertation.extensions import db

API_PREFIX = "/api/v1"

MESSAGES: dict[int, str] = {
    400: "Requête invalide.",
    401: "Jeton d'authentification manquant ou invalide.",
    403: "Votre rôle ne permet pas cette opération.",
    404: "Ressource introuvable.",
    405: "Méthode non autorisée pour cette adresse.",
    406: "Format de réponse non disponible.",
    409: "Conflit avec l'état actuel de la ressource.",
    410: "Cette ressource n'existe plus.",
    413: "Requête trop volumineuse.",
    415: "Type de contenu non pris en charge : envoyez du JSON.",
    422: "Les données envoyées ne sont pas valides.",
    429: "Trop de requêtes : réessayez dans un instant.",
    500: "Erreur interne : l'équipe technique a été prévenue.",
    503: "Service momentanément indisponible.",
}

# The pages speak to a person in a browser, not to a program holding a token.
PAGE_MESSAGES: dict[int, str] = {
    **MESSAGES,
    401: "Connectez-vous pour accéder à cette page.",
    403: "Vous n'avez pas les droits nécessaires pour cette page.",
    405: "Méthode non autorisée.",
    415: "Type de contenu non pris en charge.",
    422: "Les informations envoyées ne sont pas valides.",
}

# marshmallow's and webargs' default messages; the API's own validators already speak French.
_FIELD_MESSAGES: dict[str, str] = {
    "Missing data for required field.": "Champ obligatoire.",
    "Field may not be null.": "Ce champ ne peut pas être vide (null).",
    "Invalid value.": "Valeur invalide.",
    "Invalid type.": "Type invalide.",
    "Invalid input type.": "Type de données invalide.",
    "Unknown field.": "Champ inconnu.",
    "Not a valid string.": "Texte attendu.",
    "Not a valid utf-8 string.": "Texte UTF-8 attendu.",
    "Not a valid integer.": "Nombre entier attendu.",
    "Not a valid number.": "Nombre attendu.",
    "Number too large.": "Nombre trop grand.",
    "Not a valid boolean.": "Booléen attendu (true ou false).",
    "Not a valid list.": "Liste attendue.",
    "Not a valid tuple.": "Liste attendue.",
    "Not a valid mapping type.": "Objet attendu.",
    "Not a valid date.": "Date attendue (AAAA-MM-JJ).",
    "Not a valid datetime.": "Date et heure attendues (ISO 8601).",
    "Not a valid email address.": "Adresse électronique invalide.",
    "Not a valid URL.": "Adresse web invalide.",
    "Not a valid UUID.": "UUID invalide.",
    "Invalid JSON body.": "Corps JSON invalide.",
    "String does not match expected pattern.": "Format invalide.",
}
_PATTERN_MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Must be one of: (.*)\.$"), r"Valeur attendue parmi : \1."),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), r"\1 caractère(s) au minimum."),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), r"\1 caractère(s) au maximum."),
    (
        re.compile(r"^Must be greater than or equal to (.+) and less than or equal to (.+)\.$"),
        r"Doit être compris entre \1 et \2.",
    ),
    (re.compile(r"^Must be greater than or equal to (.+)\.$"), r"Doit être supérieur ou égal à \1."),
    (re.compile(r"^Must be less than or equal to (.+)\.$"), r"Doit être inférieur ou égal à \1."),
]


def translate(message: str) -> str:
    """The French wording of a marshmallow/webargs default message (unchanged when unknown)."""
    if message in _FIELD_MESSAGES:
        return _FIELD_MESSAGES[message]
    for pattern, replacement in _PATTERN_MESSAGES:
        if pattern.match(message):
            return pattern.sub(replacement, message)
    return message


def translate_errors(errors: Any) -> Any:
    """The same nested error structure with its messages in French."""
    if isinstance(errors, str):
        return translate(errors)
    if isinstance(errors, dict):
        return {key: translate_errors(value) for key, value in errors.items()}
    if isinstance(errors, list):
        return [translate_errors(value) for value in errors]
    return errors


def api_abort(
    code: int,
    message: str | None = None,
    *,
    errors: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> NoReturn:
    """Stop the request with a JSON error; `message` replaces the default French one."""
    details: dict[str, Any] = {}
    if message:
        details["message"] = message
    if errors:
        details["errors"] = errors
    if headers:
        details["headers"] = headers
    smorest_abort(code, **details)
    raise AssertionError("unreachable: abort raises")  # pragma: no cover


T = TypeVar("T")


def found_or_404(item: T | None, message: str) -> T:
    """`item`, or a 404 saying `message` when there is none."""
    if item is None:
        api_abort(404, message)
    return item


def nest_errors(errors: Mapping[str, str], *, first_index: int = 1) -> dict[str, Any]:
    """A domain's flat field errors ("fundings.2.amount") nested like marshmallow's, under "json".

    A numeric part is a position in a list: the domain counts from `first_index`, marshmallow from 0.
    """
    nested: dict[str, Any] = {}
    for key, message in errors.items():
        *parents, leaf = (str(int(part) - first_index) if part.isdigit() else part for part in key.split("."))
        node = nested
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = [message]
    return {"json": nested}


@dataclass(frozen=True)
class Refusal:
    """How the API answers a domain error raised in a `commit_or_abort` block.

    `code` is the status; the message is the error's own (`str(error)`) unless `says_why` is false (then
    it is the status's); `fields`, given the error, makes the answer's "errors" member.
    """

    errors: Errors
    code: int = 409
    says_why: bool = True
    fields: Callable[[Any], dict[str, Any]] | None = None


def invalid(errors: Errors, *, says_why: bool = False, first_index: int = 1) -> Refusal:
    """422 with the error's `errors` mapping, each message on its field (see `nest_errors`)."""
    return Refusal(errors, 422, says_why, lambda error: nest_errors(error.errors, first_index=first_index))


@contextmanager
def commit_or_abort(*refusals: Refusal) -> Iterator[None]:
    """Run the block as the request's transaction; the API's twin of `core.routing.commit_or_flash`.

    The block returns: commit. It raises a domain error that one of `refusals` names (the first that
    matches answers, so a subclass comes before its base class): roll back and answer the JSON error.
    Any other exception goes up untouched (the request's teardown rolls back).
    """
    try:
        yield
    except Exception as error:
        refusal = next((r for r in refusals if isinstance(error, r.errors)), None)
        if refusal is None:
            raise
        db.session.rollback()
        message = str(error) if refusal.says_why else None
        api_abort(refusal.code, message, errors=refusal.fields(error) if refusal.fields else None)
    else:
        db.session.commit()


def error_payload(error: HTTPException) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Body, status and headers of the JSON answer to an HTTP error."""
    code = error.code or 500
    payload: dict[str, Any] = {"code": code, "status": error.name, "message": MESSAGES.get(code, "Erreur.")}
    headers: dict[str, str] = {}
    # flask-smorest's abort (webargs) stores its keyword arguments in `data`.
    data = getattr(error, "data", None) or {}
    if data.get("message"):
        payload["message"] = data["message"]
    errors = data.get("errors", data.get("messages"))
    if errors:
        payload["errors"] = translate_errors(errors)
    headers.update(data.get("headers") or {})
    valid_methods = getattr(error, "valid_methods", None)
    if valid_methods:
        headers["Allow"] = ", ".join(valid_methods)
    return payload, code, headers


def json_error(error: HTTPException) -> tuple[Response, int, dict[str, str]]:
    """Error handler of the API blueprints."""
    payload, code, headers = error_payload(error)
    return jsonify(payload), code, headers


class ConcertationApi(Api):
    """flask-smorest's Api with French error messages.

    flask-smorest installs its handler for every HTTPException of the application; outside the API it
    renders the HTML error page, so that the pages never answer JSON for the codes the app does not
    handle itself (401, 409, 422...).
    """

    def handle_http_exception(self, error: HTTPException) -> Any:
        if is_api_request():
            return json_error(error)
        code = error.code or 500
        message = PAGE_MESSAGES.get(code, "Erreur.")
        return render_template("errors/error.html", code=code, message=message), code


def register_api_routing_errors(app: Flask) -> None:
    """Unknown API addresses and wrong methods answer JSON, not the HTML error pages.

    Routing errors belong to no blueprint, so the API blueprints' handlers cannot see them; before_request
    functions run before Flask raises the routing error, which lets this one answer instead.
    """

    @app.before_request
    def api_routing_error() -> tuple[Response, int, dict[str, str]] | None:
        exception = request.routing_exception
        if isinstance(exception, HTTPException) and (exception.code or 0) >= 400 and is_api_request():
            return json_error(exception)
        return None
