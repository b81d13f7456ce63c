"""Read-only queries behind the territory pages; memberships are read on a given date."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import joinedload, selectinload

from concertation.core.collation import french_order
from concertation.core.dated import valid_on
from concertation.core.text import fold, sort_key
from concertation.extensions import db
from concertation.territory.models import (
    Canton,
    Commune,
    Intercommunality,
    IntercommunalityMembership,
    Sector,
    Syndicate,
    SyndicateMember,
)


def membership_valid_on(on: date) -> ColumnElement[bool]:
    """SQL twin of IntercommunalityMembership.is_valid_on."""
    return valid_on(IntercommunalityMembership, on)


@dataclass(frozen=True)
class CommuneFilters:
    """Filters of the communes list; None or blank means no filter."""

    search: str = ""
    intercommunality_siren: str | None = None
    canton_code: str | None = None
    sector_id: int | None = None


def _matches(commune: Commune, search: str) -> bool:
    """Name without accents, case or hyphens; or the start of the INSEE code or of a postal code."""
    needle = fold(search.replace("-", " "))
    if not needle:
        return True
    codes = [commune.insee_code.lower(), *commune.postal_codes.split(",")]
    if any(code.startswith(needle) for code in codes):
        return True
    return needle in fold(commune.name.replace("-", " "))


def communes(filters: CommuneFilters, on: date) -> list[Commune]:
    """Communes matching the filters, by name, with their intercommunality and cantons loaded."""
    stmt = select(Commune).options(
        selectinload(Commune.memberships).selectinload(IntercommunalityMembership.intercommunality),
        selectinload(Commune.cantons),
    )
    if filters.intercommunality_siren:
        stmt = stmt.where(
            Commune.memberships.any(
                and_(
                    IntercommunalityMembership.intercommunality.has(
                        Intercommunality.siren == filters.intercommunality_siren
                    ),
                    membership_valid_on(on),
                )
            )
        )
    if filters.canton_code:
        stmt = stmt.where(Commune.cantons.any(Canton.code == filters.canton_code))
    if filters.sector_id is not None:
        sector = db.session.get(Sector, filters.sector_id)
        ids = [c.id for c in sector.communes_on(on)] if sector is not None else []
        stmt = stmt.where(Commune.id.in_(ids))
    found = [c for c in db.session.scalars(stmt) if _matches(c, filters.search)]
    return sorted(found, key=lambda c: sort_key(c.name))


def all_sectors() -> list[Sector]:
    """Every sector with what `communes_on` needs already loaded."""
    return list(
        db.session.scalars(
            select(Sector)
            .options(
                joinedload(Sector.town),
                selectinload(Sector.extra_communes),
                selectinload(Sector.intercommunalities)
                .selectinload(Intercommunality.memberships)
                .selectinload(IntercommunalityMembership.commune),
            )
            .order_by(french_order(Sector.name), Sector.name)
        )
    )


def sectors_by_commune(sectors: list[Sector], on: date) -> dict[int, list[Sector]]:
    """For each commune id, the sectors that contain it on a date."""
    found: dict[int, list[Sector]] = defaultdict(list)
    for sector in sectors:
        for commune in sector.communes_on(on):
            found[commune.id].append(sector)
    return found


def all_intercommunalities() -> list[Intercommunality]:
    """Every intercommunality by name (accents and case ignored), memberships and communes loaded."""
    epcis = db.session.scalars(
        select(Intercommunality).options(
            selectinload(Intercommunality.memberships).selectinload(IntercommunalityMembership.commune)
        )
    )
    return sorted(epcis, key=lambda e: sort_key(e.name))


def all_cantons() -> list[Canton]:
    """Every canton, by code, with its communes loaded."""
    return list(
        db.session.scalars(select(Canton).options(selectinload(Canton.communes)).order_by(Canton.code))
    )


def all_syndicates() -> list[Syndicate]:
    """Every syndicate, by name, with its members loaded."""
    return list(
        db.session.scalars(
            select(Syndicate)
            .options(
                selectinload(Syndicate.members).selectinload(SyndicateMember.commune),
                selectinload(Syndicate.members).selectinload(SyndicateMember.intercommunality),
            )
            .order_by(french_order(Syndicate.name), Syndicate.name)
        )
    )


def all_communes() -> list[Commune]:
    """Every commune, by name (for choice lists)."""
    return sorted(db.session.scalars(select(Commune)), key=lambda c: sort_key(c.name))


def sectors_of_intercommunality(epci: Intercommunality) -> list[Sector]:
    return list(
        db.session.scalars(
            select(Sector)
            .where(Sector.intercommunalities.any(Intercommunality.id == epci.id))
            .order_by(french_order(Sector.name), Sector.name)
        )
    )


def syndicates_with_member(
    *, commune: Commune | None = None, epci: Intercommunality | None = None
) -> list[Syndicate]:
    """Syndicates of which a commune or an intercommunality is a direct member."""
    condition = (
        SyndicateMember.commune_id == commune.id
        if commune is not None
        else SyndicateMember.intercommunality_id == (epci.id if epci is not None else None)
    )
    return list(
        db.session.scalars(
            select(Syndicate)
            .where(Syndicate.members.any(condition))
            .order_by(french_order(Syndicate.name), Syndicate.name)
        )
    )
