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

from flask import Flask
from flask.typing import ResponseReturnValue
from werkzeug.routing import IntegerConverter, Map

from concertation.core.ids import MAX_ID
from concertation.core.requests import is_api_request, refuse_unstorable_text


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


def _refuse_unstorable_text_in_pages() -> ResponseReturnValue | None:
    # The API's blueprints check it themselves, after authentication.
    return None if is_api_request() else refuse_unstorable_text()


def register_request_guards(app: Flask) -> None:
    """Install the guards; before the blueprints, whose URL rules take the converter when added."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(_refuse_unstorable_text_in_pages)
