"""GET /api/v1/communes, /intercommunalities, /cantons, /sectors: the reference data of the territory.

These lists are short (a département's communes), so they come whole, without pagination.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from concertation.api import queries
from concertation.api.auth import ApiBlueprint
from concertation.api.errors import found_or_404
from concertation.api.schemas import (
    CantonSchema,
    CommuneQuerySchema,
    CommuneSchema,
    IntercommunalitySchema,
    SectorSchema,
)
from concertation.core.timeutils import today_paris
from concertation.territory.queries import CommuneFilters
from concertation.territory.services import sector_by_town

blp = ApiBlueprint("api_territory", __name__, description="Territoire : communes, EPCI, cantons, secteurs")


@blp.route("/communes")
@blp.arguments(CommuneQuerySchema, location="query")
@blp.response(200, CommuneSchema(many=True))
def communes(args: dict[str, Any]) -> list[queries.CommuneItem]:
    """Communes, par code INSEE.

    Filtres combinables : intercommunalité (adhésion à ce jour), canton, secteur d'une ville principale,
    partie du nom ou début du code INSEE ou d'un code postal.
    """
    filters = CommuneFilters(
        search=args.get("q", ""),
        intercommunality_siren=args.get("intercommunality"),
        canton_code=args.get("canton"),
    )
    if "sector" in args:
        sector = sector_by_town(args["sector"])
        if sector is None:
            return []
        filters = replace(filters, sector_id=sector.id)
    return queries.list_communes(filters, today_paris())


@blp.route("/communes/<insee_code>")
@blp.response(200, CommuneSchema)
def commune(insee_code: str) -> queries.CommuneItem:
    """Une commune, par son code INSEE."""
    item = queries.get_commune(insee_code, today_paris())
    return found_or_404(item, f"Aucune commune n'a le code INSEE {insee_code}.")


@blp.route("/intercommunalities")
@blp.response(200, IntercommunalitySchema(many=True))
def intercommunalities() -> list[queries.IntercommunalityItem]:
    """Intercommunalités (EPCI) ayant une commune membre dans le département, avec leurs membres à ce jour."""
    return queries.list_intercommunalities(today_paris())


@blp.route("/cantons")
@blp.response(200, CantonSchema(many=True))
def cantons() -> list[queries.CantonItem]:
    """Cantons et leurs communes (une commune peut relever de deux cantons, comme Mende)."""
    return queries.list_cantons()


@blp.route("/sectors")
@blp.response(200, SectorSchema(many=True))
def sectors() -> list[queries.SectorItem]:
    """Secteurs des villes principales (échelle des Rendez-vous de Territoire) et leurs communes à ce jour."""
    return queries.list_sectors(today_paris())
