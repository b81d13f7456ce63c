"""The JSON API under /api/v1, documented by an OpenAPI document generated from the code.

Authentication and JSON errors come from `concertation.api.auth.ApiBlueprint`; every blueprint listed in
`register_api` is one, protected unless it says `public=True`.
"""

from __future__ import annotations

from flask import Flask

from concertation.api.auth import BEARER_SCHEME, BEARER_SECURITY_SCHEME
from concertation.api.errors import API_PREFIX, ConcertationApi, register_api_routing_errors
from concertation.extensions import csrf


def register_api(app: Flask) -> ConcertationApi:
    """Mount the API blueprints on the application and build its OpenAPI document."""
    from concertation.api.contracts import blp as contracts_blp
    from concertation.api.documents import blp as documents_blp
    from concertation.api.dossiers import blp as dossiers_blp
    from concertation.api.health import blp as health_blp
    from concertation.api.invitations import blp as invitations_blp
    from concertation.api.meetings import blp as meetings_blp
    from concertation.api.minutes import blp as minutes_blp
    from concertation.api.people import blp as people_blp
    from concertation.api.polls import blp as polls_blp
    from concertation.api.syndicates import blp as syndicates_blp
    from concertation.api.territory import blp as territory_blp

    # One Api per application: the OpenAPI document must not outlive the app (tests build many).
    api = ConcertationApi(app)
    api.spec.components.security_scheme(BEARER_SCHEME, BEARER_SECURITY_SCHEME)
    register_api_routing_errors(app)
    blueprints = (
        health_blp,
        territory_blp,
        syndicates_blp,
        people_blp,
        meetings_blp,
        documents_blp,
        invitations_blp,
        polls_blp,
        contracts_blp,
        minutes_blp,
        dossiers_blp,
    )
    for blueprint in blueprints:
        # Token authentication, no cookie: cross-site request forgery does not apply.
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint, url_prefix=API_PREFIX)
    return api
