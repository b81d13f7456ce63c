"""/api/v1/syndicates: the syndicats intercommunaux, read and created through the API."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from concertation.accounts.models import UserRole
from concertation.api import queries
from concertation.api.auth import ApiBlueprint
from concertation.api.errors import Refusal, commit_or_abort, found_or_404
from concertation.api.schemas import SyndicateCreateSchema, SyndicateInput, SyndicateSchema
from concertation.extensions import db
from concertation.territory.models import Commune, Intercommunality
from concertation.territory.services import InvalidSyndicate, SyndicateData, create_syndicate

blp = ApiBlueprint(
    "api_syndicates", __name__, description="Syndicats intercommunaux", write_role=UserRole.ADMIN
)


@blp.route("/syndicates")
@blp.response(200, SyndicateSchema(many=True))
def syndicates() -> list[queries.SyndicateItem]:
    """Syndicats intercommunaux, par nom, avec leurs communes et EPCI membres."""
    return queries.list_syndicates()


@blp.route("/syndicates/<int:syndicate_id>")
@blp.response(200, SyndicateSchema)
def syndicate(syndicate_id: int) -> queries.SyndicateItem:
    """Un syndicat intercommunal."""
    item = queries.get_syndicate(syndicate_id)
    return found_or_404(item, f"Aucun syndicat n'a l'identifiant {syndicate_id}.")


def _syndicate_data(data: SyndicateInput) -> tuple[SyndicateData, dict[str, list[str]]]:
    """The domain's input, members named by their ids, and the errors of the codes that name no member."""
    communes: dict[str, int] = dict(
        db.session.execute(
            select(Commune.insee_code, Commune.id).where(Commune.insee_code.in_(data.commune_codes))
        ).all()
    )
    epcis: dict[str, int] = dict(
        db.session.execute(
            select(Intercommunality.siren, Intercommunality.id).where(
                Intercommunality.siren.in_(data.intercommunality_sirens)
            )
        ).all()
    )
    errors: dict[str, list[str]] = {}
    unknown = [code for code in data.commune_codes if code not in communes]
    if unknown:
        errors["commune_codes"] = [f"Communes inconnues : {', '.join(unknown)}."]
    unknown = [siren for siren in data.intercommunality_sirens if siren not in epcis]
    if unknown:
        errors["intercommunality_sirens"] = [f"Intercommunalités inconnues : {', '.join(unknown)}."]
    syndicate = SyndicateData(
        name=data.name,
        siren=data.siren,
        purpose=data.purpose,
        commune_ids=tuple(communes[code] for code in data.commune_codes if code in communes),
        intercommunality_ids=tuple(epcis[siren] for siren in data.intercommunality_sirens if siren in epcis),
    )
    return syndicate, errors


@blp.route("/syndicates", methods=["POST"])
@blp.arguments(SyndicateCreateSchema)
@blp.response(201, SyndicateSchema)
def add_syndicate(data: SyndicateInput) -> tuple[queries.SyndicateItem, int, dict[str, str]]:
    """Crée un syndicat avec ses communes et EPCI membres (rôle organisateur)."""
    syndicate, unknown = _syndicate_data(data)
    # One 422 names every field in error: the service's and the members that do not exist.
    refused = Refusal(InvalidSyndicate, 422, False, lambda error: {"json": {**error.errors, **unknown}})
    with commit_or_abort(refused):
        created = create_syndicate(syndicate)
        if unknown:
            field, messages = next(iter(unknown.items()))
            raise InvalidSyndicate(messages[0], field, errors=unknown)
    location = url_for("api_syndicates.syndicate", syndicate_id=created.id)
    return queries.syndicate_item(created), 201, {"Location": location}
