"""Protections of every request, pages and API alike, against input that the database cannot hold.

- An integer id in a URL (`<int:...>`) stops at the largest value of an INTEGER column: a larger number
  is a 404 like any unknown id, instead of an overflow in SQLite or PostgreSQL (a 500).
- Text holding a NUL character (U+0000), which PostgreSQL refuses, or a lone surrogate, which no UTF-8
  encoder accepts, is refused with a 400 and a French message before any view reads it; in the API,
  after authentication (a lecteur's write is a 403 whatever it sends), see `ApiBlueprint`.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.routing import IntegerConverter, Map

# PostgreSQL's INTEGER, the type of every primary key.
MAX_ID = 2**31 - 1
# Pages far beyond the last one are empty; past this one, their offset would overflow the databases'
# integers (a 500 found by fuzzing `page`).
LAST_PAGE = MAX_ID

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
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(is_storable(key) and is_storable(item) for key, item in value.items())
    if isinstance(value, list):
        return all(is_storable(item) for item in value)
    return True


def refuse_unstorable_text() -> ResponseReturnValue | None:
    """A 400 if the path, the query string, the form or the JSON body holds unstorable text."""
    from concertation.api.errors import is_api_request  # the API's blueprints import this module

    sent: list[Any] = [request.path, *request.args.items(multi=True)]
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        sent.extend(request.form.items(multi=True))
        if request.is_json:
            sent.append(request.get_json(silent=True))
    if is_storable([list(item) if isinstance(item, tuple) else item for item in sent]):
        return None
    if is_api_request():
        return jsonify(code=400, status="Bad Request", message=UNSTORABLE_MESSAGE), 400
    return render_template("errors/error.html", code=400, message=UNSTORABLE_MESSAGE), 400


def _refuse_unstorable_text_in_pages() -> ResponseReturnValue | None:
    # The API's blueprints check it themselves, after authentication.
    from concertation.api.errors import is_api_request

    return None if is_api_request() else refuse_unstorable_text()


def register_request_guards(app: Flask) -> None:
    """Install the guards; before the blueprints, whose URL rules take the converter when added."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(_refuse_unstorable_text_in_pages)
