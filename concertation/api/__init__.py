"""The JSON API under /api/v1, documented by an OpenAPI document generated from the code."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from concertation.extensions import csrf

api = Api()


def register_api(app: Flask) -> None:
    from concertation.api.health import blp as health_blp

    api.init_app(app)
    for blueprint in (health_blp,):
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint, url_prefix="/api/v1")
