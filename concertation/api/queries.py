"""Read queries of the API and the plain records they return (one SELECT per relation, no N+1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from concertation.core.collation import french_order
from concertation.core.ids import LAST_PAGE as LAST_PAGE  # re-exported for the API views
from concertation.extensions import db
from concertation.territory import queries as territory_queries
from concertation.territory.models import (
    Canton,
    Commune,
    Intercommunality,
    IntercommunalityMembership,
    Sector,
    Syndicate,
    SyndicateMember,
)


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


def _communes_query() -> Select[Commune]:
    return select(Commune).options(
        selectinload(Commune.memberships).joinedload(IntercommunalityMembership.intercommunality),
        selectinload(Commune.cantons),
    )


def list_communes(filters: territory_queries.CommuneFilters, on: date) -> list[CommuneItem]:
    """Communes by INSEE code, filtered as the communes page filters them."""
    found = sorted(territory_queries.communes(filters, on), key=lambda commune: commune.insee_code)
    return [_commune_item(commune, on) for commune in found]


def get_commune(insee_code: str, on: date) -> CommuneItem | None:
    commune = db.session.scalar(_communes_query().where(Commune.insee_code == insee_code))
    return _commune_item(commune, on) if commune is not None else None


# Intercommunalities, cantons, sectors, syndicates --------------------------------------------------------


def list_intercommunalities(on: date) -> list[IntercommunalityItem]:
    """EPCIs by name, with their member communes on `on`."""
    epcis = db.session.scalars(
        select(Intercommunality)
        .options(selectinload(Intercommunality.memberships).joinedload(IntercommunalityMembership.commune))
        .order_by(french_order(Intercommunality.name), Intercommunality.name)
    ).all()
    items = []
    for epci in epcis:
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
    cantons = db.session.scalars(select(Canton).options(selectinload(Canton.communes)).order_by(Canton.code))
    return [
        CantonItem(
            code=canton.code,
            name=canton.name,
            seat_insee_code=canton.seat_insee_code,
            commune_codes=sorted(commune.insee_code for commune in canton.communes),
        )
        for canton in cantons
    ]


def list_sectors(on: date) -> list[SectorItem]:
    """Sectors by name, with every commune they cover on `on`."""
    sectors = db.session.scalars(
        select(Sector)
        .options(
            joinedload(Sector.town),
            selectinload(Sector.intercommunalities)
            .selectinload(Intercommunality.memberships)
            .joinedload(IntercommunalityMembership.commune),
            selectinload(Sector.extra_communes),
        )
        .order_by(french_order(Sector.name), Sector.name)
    )
    return [
        SectorItem(
            town_insee_code=sector.town.insee_code,
            name=sector.name,
            intercommunality_sirens=[epci.siren for epci in sector.intercommunalities],
            extra_commune_codes=sorted(commune.insee_code for commune in sector.extra_communes),
            commune_codes=sorted(commune.insee_code for commune in sector.communes_on(on)),
        )
        for sector in sectors
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


def _syndicates_query() -> Select[Syndicate]:
    return select(Syndicate).options(
        selectinload(Syndicate.members).options(
            joinedload(SyndicateMember.commune), joinedload(SyndicateMember.intercommunality)
        )
    )


def list_syndicates() -> list[SyndicateItem]:
    return [
        syndicate_item(s)
        for s in db.session.scalars(
            _syndicates_query().order_by(french_order(Syndicate.name), Syndicate.name)
        )
    ]


def get_syndicate(syndicate_id: int) -> SyndicateItem | None:
    syndicate = db.session.scalar(_syndicates_query().where(Syndicate.id == syndicate_id))
    return syndicate_item(syndicate) if syndicate is not None else None
