"""Writes made through the API.

Creating a syndicate belongs to the territory domain; it lives here until `territory.services` offers it.
"""

from __future__ import annotations

from sqlalchemy import func, select

from concertation.api.schemas import SyndicateInput
from concertation.extensions import db
from concertation.territory.models import Commune, Intercommunality, Syndicate, SyndicateMember


class InvalidSyndicate(Exception):
    """The syndicate breaks a rule of the data; `errors` maps each field to French messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("Syndicat invalide : " + " ".join(m for ms in errors.values() for m in ms))
        self.errors = errors


def create_syndicate(data: SyndicateInput) -> Syndicate:
    """Add a syndicate and its member communes and EPCIs; the caller commits.

    Raises InvalidSyndicate, before any write, for a name or SIREN already used or an unknown member.
    """
    errors: dict[str, list[str]] = {}
    if db.session.scalar(select(Syndicate.id).where(func.lower(Syndicate.name) == data.name.lower())):
        errors["name"] = [f"Un syndicat porte déjà le nom « {data.name} »."]
    if data.siren and db.session.scalar(select(Syndicate.id).where(Syndicate.siren == data.siren)):
        errors["siren"] = [f"Un syndicat a déjà le SIREN {data.siren}."]
    communes = {
        c.insee_code: c
        for c in db.session.scalars(select(Commune).where(Commune.insee_code.in_(data.commune_codes)))
    }
    unknown = [code for code in data.commune_codes if code not in communes]
    if unknown:
        errors["commune_codes"] = [f"Communes inconnues : {', '.join(unknown)}."]
    epcis = {
        e.siren: e
        for e in db.session.scalars(
            select(Intercommunality).where(Intercommunality.siren.in_(data.intercommunality_sirens))
        )
    }
    unknown = [siren for siren in data.intercommunality_sirens if siren not in epcis]
    if unknown:
        errors["intercommunality_sirens"] = [f"Intercommunalités inconnues : {', '.join(unknown)}."]
    if errors:
        raise InvalidSyndicate(errors)
    syndicate = Syndicate(name=data.name, siren=data.siren, purpose=data.purpose)
    syndicate.members = [SyndicateMember(commune=communes[code]) for code in data.commune_codes] + [
        SyndicateMember(intercommunality=epcis[siren]) for siren in data.intercommunality_sirens
    ]
    db.session.add(syndicate)
    db.session.flush()
    return syndicate
