"""Protections of every request, pages and API alike, against input that the database cannot hold.

- An integer id in a URL (`<int:...>`) stops at the largest value of an INTEGER column: a larger number
  is a 404 like any unknown id, instead of an overflow in SQLite or PostgreSQL (a 500).
- Text holding a NUL character (U+0000), which PostgreSQL refuses, or a lone surrogate, which no UTF-8
  encoder accepts, is refused with a 400 and a French message before any view reads it; in the API,
  after authentication (a lecteur's write is a 403 whatever it sends), see `ApiBlueprint`.
- A JSON body nested deeper than MAX_JSON_DEPTH (no form of this service goes past a few levels) is
  refused the same way: Python's parser recurses once per level and fails past about a thousand (a
  RecursionError, then a 500), and every later reader of the body would recurse as deep.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.routing import IntegerConverter, Map

from concertation.core.requests import is_api_request

# PostgreSQL's INTEGER, the type of every primary key.
MAX_ID = 2**31 - 1
# Pages far beyond the last one are empty; past this one, their offset would overflow the databases'
# integers (a 500 found by fuzzing `page`).
LAST_PAGE = MAX_ID

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


class IdConverter(IntegerConverter):
    """`<int:...>` with MAX_ID as its default maximum (the OpenAPI document says so too)."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = MAX_ID,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def parse_id(raw: str) -> int | None:
    """The id written in a form field: ASCII digits up to MAX_ID ("²" is a digit to str.isdigit()
    but not to int(); a larger number overflows the database); None for anything else."""
    if not (raw.isascii() and raw.isdigit()):
        return None
    value = int(raw)
    return value if value <= MAX_ID else None


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


def _refuse_unstorable_text_in_pages() -> ResponseReturnValue | None:
    # The API's blueprints check it themselves, after authentication.
    return None if is_api_request() else refuse_unstorable_text()


def register_request_guards(app: Flask) -> None:
    """Install the guards; before the blueprints, whose URL rules take the converter when added."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(_refuse_unstorable_text_in_pages)
