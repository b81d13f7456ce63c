"""The bodies of a contract's territory: the CC, its member communes at the contract's start, and the
syndicats with a member (a commune or the CC) in the territory. They may carry projects and sign."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select

from concertation.contracts.enums import OwnerKind
from concertation.contracts.models import Contract, ProjectSheet
from concertation.core.collation import french_order
from concertation.core.dated import valid_on
from concertation.core.text import sort_key
from concertation.extensions import db
from concertation.territory.models import (
    Commune,
    Intercommunality,
    IntercommunalityMembership,
    Syndicate,
    SyndicateMember,
)


@dataclass(frozen=True)
class Owner:
    """A public body of the territory; `key` ("commune:48092", "intercommunality:244800470",
    "syndicate:3") identifies it in forms and in the API."""

    kind: OwnerKind
    id: int
    code: str
    name: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.code}"

    @property
    def label(self) -> str:
        return f"{self.name} ({self.kind.label.lower()})"


def territory_communes(intercommunality_id: int, on: date) -> list[Commune]:
    """Member communes of the CC on a date, by name (one query)."""
    statement = (
        select(Commune)
        .join(IntercommunalityMembership, IntercommunalityMembership.commune_id == Commune.id)
        .where(
            IntercommunalityMembership.intercommunality_id == intercommunality_id,
            valid_on(IntercommunalityMembership, on),
        )
        .order_by(french_order(Commune.name), Commune.name)
    )
    return list(db.session.scalars(statement))


def territory_syndicates(intercommunality_id: int, commune_ids: list[int]) -> list[Syndicate]:
    """Syndicates that have the CC or one of the communes among their members, by name."""
    statement = (
        select(Syndicate)
        .join(SyndicateMember, SyndicateMember.syndicate_id == Syndicate.id)
        .where(
            or_(
                SyndicateMember.intercommunality_id == intercommunality_id,
                SyndicateMember.commune_id.in_(commune_ids),
            )
        )
        .distinct()
    )
    # Sorted here: PostgreSQL refuses an ORDER BY expression outside the select list of a DISTINCT.
    return sorted(db.session.scalars(statement), key=lambda syndicate: sort_key(syndicate.name))


def territory_owners(contract: Contract) -> list[Owner]:
    """Every body that may carry a project of the contract: the CC, its communes, its syndicates."""
    epci: Intercommunality = contract.intercommunality
    communes = territory_communes(epci.id, contract.starts_on)
    syndicates = territory_syndicates(epci.id, [c.id for c in communes])
    return [
        Owner(OwnerKind.INTERCOMMUNALITY, epci.id, epci.siren, epci.name),
        *(Owner(OwnerKind.COMMUNE, c.id, c.insee_code, c.name) for c in communes),
        *(Owner(OwnerKind.SYNDICATE, s.id, str(s.id), s.name) for s in syndicates),
    ]


def project_owner_key(project: ProjectSheet) -> str:
    """The owner key of a project sheet, as the forms and the API name it."""
    if project.owner_commune is not None:
        return f"{OwnerKind.COMMUNE}:{project.owner_commune.insee_code}"
    if project.owner_intercommunality is not None:
        return f"{OwnerKind.INTERCOMMUNALITY}:{project.owner_intercommunality.siren}"
    return f"{OwnerKind.SYNDICATE}:{project.owner_syndicate_id}"


def resolve_owner(contract: Contract, key: str) -> Owner | str:
    """The owner named by `key` if it belongs to the contract's territory, or a French error message."""
    raw_kind, _, code = key.strip().partition(":")
    kind = OwnerKind.get(raw_kind)
    if kind is None:
        return (
            "Le maître d'ouvrage doit être une collectivité publique du territoire : une commune, "
            "la communauté de communes ou un syndicat intercommunal."
        )
    for owner in territory_owners(contract):
        if owner.kind == kind and owner.code == code:
            return owner
    name = _body_name(kind, code)
    territory = contract.intercommunality.name
    if name is None:
        return f"{kind.label} inconnu(e) : « {code} »."
    return (
        f"{name} n'appartient pas au territoire du contrat ({territory} au "
        f"{contract.starts_on:%d/%m/%Y}) : le maître d'ouvrage doit être une commune, la communauté de "
        "communes ou un syndicat de ce territoire."
    )


def _body_name(kind: OwnerKind, code: str) -> str | None:
    if kind is OwnerKind.COMMUNE:
        return db.session.scalar(select(Commune.name).where(Commune.insee_code == code))
    if kind is OwnerKind.INTERCOMMUNALITY:
        return db.session.scalar(select(Intercommunality.name).where(Intercommunality.siren == code))
    # ASCII digits within the INTEGER range only: "²" passes isdigit() and crashes int().
    if not (code.isascii() and code.isdigit() and len(code) <= 9):
        return None
    return db.session.scalar(select(Syndicate.name).where(Syndicate.id == int(code)))
