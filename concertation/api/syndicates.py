"""/api/v1/syndicates: the syndicats intercommunaux, read and created through the API."""

from __future__ import annotations

from flask import url_for

from concertation.api import queries
from concertation.api.auth import ApiBlueprint
from concertation.api.errors import api_abort
from concertation.api.schemas import SyndicateCreateSchema, SyndicateInput, SyndicateSchema
from concertation.api.services import InvalidSyndicate, create_syndicate
from concertation.extensions import db

blp = ApiBlueprint("api_syndicates", __name__, description="Syndicats intercommunaux")


@blp.route("/syndicates")
@blp.response(200, SyndicateSchema(many=True))
def syndicates() -> list[queries.SyndicateItem]:
    """Syndicats intercommunaux, par nom, avec leurs communes et EPCI membres."""
    return queries.list_syndicates()


@blp.route("/syndicates/<int:syndicate_id>")
@blp.response(200, SyndicateSchema)
@blp.alt_response(404, response="NOT_FOUND")
def syndicate(syndicate_id: int) -> queries.SyndicateItem:
    """Un syndicat intercommunal."""
    item = queries.get_syndicate(syndicate_id)
    if item is None:
        api_abort(404, f"Aucun syndicat n'a l'identifiant {syndicate_id}.")
    return item


@blp.route("/syndicates", methods=["POST"])
@blp.arguments(SyndicateCreateSchema)
@blp.response(201, SyndicateSchema)
def add_syndicate(data: SyndicateInput) -> tuple[queries.SyndicateItem, int, dict[str, str]]:
    """Crée un syndicat avec ses communes et EPCI membres (rôle organisateur)."""
    try:
        created = create_syndicate(data)
    except InvalidSyndicate as error:
        api_abort(422, errors={"json": error.errors})
    db.session.commit()
    location = url_for("api_syndicates.syndicate", syndicate_id=created.id)
    return queries.syndicate_item(created), 201, {"Location": location}
