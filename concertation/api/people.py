"""GET /api/v1/people: élus and contacts with their dated mandates."""

from __future__ import annotations

from typing import Any

from concertation.api import people_queries as queries
from concertation.api.auth import ApiBlueprint
from concertation.api.errors import found_or_404
from concertation.api.queries import LAST_PAGE
from concertation.api.schemas import PeopleQuerySchema, PersonSchema
from concertation.core.timeutils import today_paris
from concertation.people.services import DirectoryFilters

blp = ApiBlueprint("api_people", __name__, description="Élus et contacts, avec leurs mandats")


@blp.route("/people")
@blp.arguments(PeopleQuerySchema, location="query")
@blp.response(200, PersonSchema(many=True))
@blp.paginate(page_size=50, max_page_size=200)
def people(args: dict[str, Any], pagination_parameters: Any) -> list[queries.PersonItem]:
    """Personnes par nom, avec tous leurs mandats (« is_current » : en cours à ce jour).

    Filtres : rôle d'un mandat, mots du nom, du prénom ou de l'adresse électronique (cinq au plus),
    personnes ayant un mandat en cours. Paginé : paramètres page et page_size, total dans l'en-tête
    X-Pagination.
    """
    items, total = queries.list_people(
        DirectoryFilters(
            search=args.get("q", ""),
            role=args.get("role"),
            include_ended=not args["current"],
            include_contacts=False,
        ),
        today_paris(),
        page=min(pagination_parameters.page, LAST_PAGE),
        page_size=pagination_parameters.page_size,
    )
    pagination_parameters.item_count = total
    return items


@blp.route("/people/<int:person_id>")
@blp.response(200, PersonSchema)
def person(person_id: int) -> queries.PersonItem:
    """Une personne et tous ses mandats."""
    return found_or_404(
        queries.get_person(person_id, today_paris()), f"Aucune personne n'a l'identifiant {person_id}."
    )
