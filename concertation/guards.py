"""Protections of every request, pages and API alike, against input that the database cannot hold.

- An integer id in a URL (`<int:...>`) stops at the largest value of an INTEGER column: a larger number
  is a 404 like any unknown id, instead of an overflow in SQLite or PostgreSQL (a 500).
- Text holding a NUL character (U+0000), which PostgreSQL refuses, or a lone surrogate, which no UTF-8
  encoder accepts, is refused with a 400 and a French message before any view reads it; in the API,
  after authentication (a lecteur's write is a 403 whatever it sends), see `ApiBlueprint`.
- A link whose secret is in the URL (an élu's answer page, a letter's short code, a calendar feed) is
  limited to LINK_RATE_LIMIT requests per LINK_RATE_WINDOW_SECONDS, per link: a 429 with Retry-After
  beyond, counted in the database so that every worker shares the count.
- A JSON body nested deeper than MAX_JSON_DEPTH (no form of this service goes past a few levels) is
  refused the same way: Python's parser recurses once per level and fails past about a thousand (a
  RecursionError, then a 500), and every later reader of the body would recurse as deep.
"""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.routing import IntegerConverter, Map

from concertation.accounts import throttle
from concertation.core.connections import repeatable_commits
from concertation.core.headers import SECRET_LINK_PREFIXES
from concertation.core.ids import MAX_ID
from concertation.core.requests import is_api_request, refuse_unstorable_text
from concertation.core.timeutils import now_utc
from concertation.extensions import db


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


def _limit_secret_links() -> ResponseReturnValue | None:
    if not request.path.startswith(SECRET_LINK_PREFIXES):
        return None
    config = current_app.config
    # Committed at once: the count must hold whatever the page then does with its own transaction.
    # Counting a request twice is harmless, so this commit does not stop a retry after a lost connection.
    with repeatable_commits():
        wait = throttle.hit(
            request.path, int(config["LINK_RATE_LIMIT"]), int(config["LINK_RATE_WINDOW_SECONDS"]), now_utc()
        )
        db.session.commit()
    if not wait:
        return None
    message = "Trop de requêtes sur ce lien : réessayez dans un instant."
    return render_template("errors/error.html", code=429, message=message), 429, {"Retry-After": str(wait)}


def register_request_guards(app: Flask) -> None:
    """Install the guards; before the blueprints, whose URL rules take the converter when added."""
    app.url_map.converters["int"] = IdConverter
    hops = int(app.config.get("TRUSTED_PROXY_HOPS", 0))
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops)  # type: ignore[method-assign]
    app.before_request(_limit_secret_links)
    app.before_request(_refuse_unstorable_text_in_pages)
