"""What the current request is and whether its text can be stored: for the page guards and the API
alike, which both sit above this module."""

from __future__ import annotations

from typing import Any

from flask import jsonify, render_template, request
from flask.typing import ResponseReturnValue

# The deepest JSON the service reads is an object of lists of objects; 32 leaves room for any client.
MAX_JSON_DEPTH = 32

TOO_DEEP_MESSAGE = (
    f"Le corps JSON est trop imbriqué (plus de {MAX_JSON_DEPTH} niveaux de listes ou d'objets) : "
    "simplifiez les données envoyées."
)

UNSTORABLE_MESSAGE = (
    "Les données envoyées contiennent un caractère invalide (caractère nul ou mal encodé) : "
    "retirez-le et recommencez."
)


def is_api_request() -> bool:
    """True for any address under /api/, this version's or not."""
    return request.path == "/api" or request.path.startswith("/api/")


def is_storable(value: Any) -> bool:
    """False if a string, at any depth of lists and dicts, holds a NUL character or a lone surrogate."""
    # A loop over a stack rather than recursion: the depth of the value is the sender's choice.
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return False
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return True


def json_depth(value: Any) -> int:
    """How many lists and dicts are nested in `value` (0 for a scalar), without recursion."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            pending.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)
        else:
            continue
        deepest = max(deepest, depth + 1)
    return deepest


def _json_body() -> tuple[Any, bool]:
    """The request's JSON body (None if absent or not JSON) and whether it is too deeply nested."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        # Deeper than the parser goes (about a thousand levels): refused before any view parses it again.
        return None, True
    return body, json_depth(body) > MAX_JSON_DEPTH


def _refusal(message: str) -> ResponseReturnValue:
    if is_api_request():
        return jsonify(code=400, status="Bad Request", message=message), 400
    return render_template("errors/error.html", code=400, message=message), 400


def refuse_unstorable_text() -> ResponseReturnValue | None:
    """A 400 if the path, the query string, the form or the JSON body holds unstorable text, or if the
    JSON body is nested too deep."""
    sent: list[Any] = [request.path, *request.args.items(multi=True)]
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        sent.extend(request.form.items(multi=True))
        if request.is_json:
            body, too_deep = _json_body()
            if too_deep:
                return _refusal(TOO_DEEP_MESSAGE)
            sent.append(body)
    if is_storable(sent):
        return None
    return _refusal(UNSTORABLE_MESSAGE)
