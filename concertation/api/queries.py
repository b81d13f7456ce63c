"""The plain records of the territory API, read with the territory's own queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from concertation.core.ids import LAST_PAGE as LAST_PAGE  # re-exported for the API views
from concertation.extensions import db
from concertation.territory import queries as territory_queries
from concertation.territory.models import Commune, Syndicate


@dataclass(frozen=True)
class CommuneItem:
    insee_code: str
    name: str
    siren: str | None
    postal_codes: list[str]
    population: int | None
    intercommunality_siren: str | None
    canton_codes: list[str]


@dataclass(frozen=True)
class IntercommunalityItem:
    siren: str
    name: str
    kind: str
    population: int | None
    members_count: int
    member_insee_codes: list[str]


@dataclass(frozen=True)
class CantonItem:
    code: str
    name: str
    seat_insee_code: str | None
    commune_codes: list[str]


@dataclass(frozen=True)
class SectorItem:
    town_insee_code: str
    name: str
    intercommunality_sirens: list[str]
    extra_commune_codes: list[str]
    commune_codes: list[str]


@dataclass(frozen=True)
class SyndicateItem:
    id: int
    name: str
    siren: str | None
    purpose: str
    member_commune_codes: list[str]
    member_intercommunality_sirens: list[str]


def _split_codes(value: str) -> list[str]:
    return [code for code in value.split(",") if code]


# Communes ------------------------------------------------------------------------------------------------


def _commune_item(commune: Commune, on: date) -> CommuneItem:
    epci = commune.intercommunality_on(on)
    return CommuneItem(
        insee_code=commune.insee_code,
        name=commune.name,
        siren=commune.siren,
        postal_codes=_split_codes(commune.postal_codes),
        population=commune.population,
        intercommunality_siren=epci.siren if epci is not None else None,
        canton_codes=[canton.code for canton in commune.cantons],
    )


def list_communes(filters: territory_queries.CommuneFilters, on: date) -> list[CommuneItem]:
    """Communes by INSEE code, filtered as the communes page filters them."""
    found = sorted(territory_queries.communes(filters, on), key=lambda commune: commune.insee_code)
    return [_commune_item(commune, on) for commune in found]


def get_commune(insee_code: str, on: date) -> CommuneItem | None:
    commune = db.session.scalar(select(Commune).where(Commune.insee_code == insee_code))
    return _commune_item(commune, on) if commune is not None else None


# Intercommunalities, cantons, sectors, syndicates --------------------------------------------------------


def list_intercommunalities(on: date) -> list[IntercommunalityItem]:
    """EPCIs by name, with their member communes on `on`."""
    items = []
    for epci in territory_queries.all_intercommunalities():
        codes = sorted(commune.insee_code for commune in epci.communes_on(on))
        items.append(
            IntercommunalityItem(
                siren=epci.siren,
                name=epci.name,
                kind=str(epci.kind),
                population=epci.population,
                members_count=len(codes),
                member_insee_codes=codes,
            )
        )
    return items


def list_cantons() -> list[CantonItem]:
    return [
        CantonItem(
            code=canton.code,
            name=canton.name,
            seat_insee_code=canton.seat_insee_code,
            commune_codes=sorted(commune.insee_code for commune in canton.communes),
        )
        for canton in territory_queries.all_cantons()
    ]


def list_sectors(on: date) -> list[SectorItem]:
    """Sectors by name, with every commune they cover on `on`."""
    return [
        SectorItem(
            town_insee_code=sector.town.insee_code,
            name=sector.name,
            intercommunality_sirens=[epci.siren for epci in sector.intercommunalities],
            extra_commune_codes=sorted(commune.insee_code for commune in sector.extra_communes),
            commune_codes=sorted(commune.insee_code for commune in sector.communes_on(on)),
        )
        for sector in territory_queries.all_sectors()
    ]


def syndicate_item(syndicate: Syndicate) -> SyndicateItem:
    communes = [m.commune.insee_code for m in syndicate.members if m.commune is not None]
    epcis = [m.intercommunality.siren for m in syndicate.members if m.intercommunality is not None]
    return SyndicateItem(
        id=syndicate.id,
        name=syndicate.name,
        siren=syndicate.siren,
        purpose=syndicate.purpose,
        member_commune_codes=sorted(communes),
        member_intercommunality_sirens=sorted(epcis),
    )


def list_syndicates() -> list[SyndicateItem]:
    return [syndicate_item(syndicate) for syndicate in territory_queries.all_syndicates()]


def get_syndicate(syndicate_id: int) -> SyndicateItem | None:
    syndicate = db.session.get(Syndicate, syndicate_id)
    return syndicate_item(syndicate) if syndicate is not None else None
