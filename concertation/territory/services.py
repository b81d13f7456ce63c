"""Territory look-ups and the organisers' edits of sectors and syndicates."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from concertation.core.text import sort_key
from concertation.extensions import db
from concertation.territory import signals
from concertation.territory.exceptions import TerritoryError
from concertation.territory.models import Commune, Intercommunality, Sector, Syndicate, SyndicateMember


def intercommunality_by_siren(siren: str) -> Intercommunality | None:
    return db.session.scalar(select(Intercommunality).where(Intercommunality.siren == siren))


def sector_by_town(insee_code: str) -> Sector | None:
    return db.session.scalar(select(Sector).join(Sector.town).where(Commune.insee_code == insee_code))


# Editing by organisers: sectors and syndicates. Validation comes before any write; the caller commits.


class InvalidSyndicate(TerritoryError):
    """A syndicate that cannot be saved as entered; nothing was written.

    `field` names the first field in error; `errors` maps every field in error to its French messages.
    """

    def __init__(
        self, message: str, field: str = "", *, errors: Mapping[str, list[str]] | None = None
    ) -> None:
        super().__init__(message)
        self.field = field
        self.errors = dict(errors) if errors else {field: [message]}


@dataclass(frozen=True)
class SyndicateData:
    """What an organiser enters for a syndicat intercommunal."""

    name: str
    siren: str | None = None
    purpose: str = ""
    commune_ids: tuple[int, ...] = ()
    intercommunality_ids: tuple[int, ...] = ()


def normalise_siren(value: str | None) -> str | None:
    """Nine digits with spaces removed, or None when blank; InvalidSyndicate otherwise."""
    siren = re.sub(r"\s+", "", value or "")
    if not siren:
        return None
    if not re.fullmatch(r"[0-9]{9}", siren):
        raise InvalidSyndicate("Le SIREN doit comporter exactement 9 chiffres.", "siren")
    return siren


def _by_ids(model: type[Any], ids: Iterable[int], what: str) -> list[Any]:
    wanted = set(ids)
    found = list(db.session.scalars(select(model).where(model.id.in_(wanted)))) if wanted else []
    if len(found) != len(wanted):
        raise TerritoryError(f"{what} inconnu(e)s : la liste a changé, rechargez la page.")
    return found


def update_sector(sector: Sector, intercommunality_ids: Iterable[int], commune_ids: Iterable[int]) -> None:
    """Replace the intercommunalities and the single extra communes that make up a sector."""
    epcis = _by_ids(Intercommunality, intercommunality_ids, "Intercommunalités")
    communes = _by_ids(Commune, commune_ids, "Communes")
    sector.intercommunalities = sorted(epcis, key=lambda e: sort_key(e.name))
    sector.extra_communes = sorted(communes, key=lambda c: sort_key(c.name))
    db.session.flush()


def _check_syndicate(data: SyndicateData, current: Syndicate | None) -> tuple[str, str | None]:
    """The name and SIREN to store; InvalidSyndicate with every field in error otherwise."""
    errors: dict[str, list[str]] = {}
    name = " ".join(data.name.split())
    if not name:
        errors["name"] = ["Le nom du syndicat est obligatoire."]
    elif len(name) > 200:
        errors["name"] = ["Le nom du syndicat ne doit pas dépasser 200 caractères."]
    try:
        siren = normalise_siren(data.siren)
    except InvalidSyndicate as error:
        errors["siren"], siren = [str(error)], None
    others = select(Syndicate.id)
    if current is not None:
        others = others.where(Syndicate.id != current.id)
    # Names differing only by case are the same syndicate ("SIVOM du Valdonnez", "Sivom du valdonnez").
    if "name" not in errors and db.session.scalar(others.where(func.lower(Syndicate.name) == name.lower())):
        errors["name"] = [f"Un syndicat nommé « {name} » existe déjà."]
    if siren is not None and db.session.scalar(others.where(Syndicate.siren == siren)):
        errors["siren"] = [f"Un syndicat de SIREN {siren} existe déjà."]
    if len(data.purpose) > 500:
        errors["purpose"] = ["L'objet ne doit pas dépasser 500 caractères."]
    if errors:
        field, messages = next(iter(errors.items()))
        raise InvalidSyndicate(messages[0], field, errors=errors)
    return name, siren


def _sync_syndicate_members(syndicate: Syndicate, data: SyndicateData) -> None:
    communes = {c.id: c for c in _by_ids(Commune, data.commune_ids, "Communes")}
    epcis = {e.id: e for e in _by_ids(Intercommunality, data.intercommunality_ids, "Intercommunalités")}
    kept: list[SyndicateMember] = []
    for member in syndicate.members:
        wanted_commune = member.commune_id is not None and communes.pop(member.commune_id, None)
        wanted_epci = member.intercommunality_id is not None and epcis.pop(member.intercommunality_id, None)
        if wanted_commune or wanted_epci:
            kept.append(member)
    kept += [SyndicateMember(commune=c) for c in communes.values()]
    kept += [SyndicateMember(intercommunality=e) for e in epcis.values()]
    syndicate.members = kept


def create_syndicate(data: SyndicateData) -> Syndicate:
    """A new syndicate with its member communes and intercommunalities."""
    name, siren = _check_syndicate(data, None)
    syndicate = Syndicate(name=name, siren=siren, purpose=data.purpose.strip())
    _sync_syndicate_members(syndicate, data)
    db.session.add(syndicate)
    db.session.flush()
    return syndicate


def update_syndicate(syndicate: Syndicate, data: SyndicateData) -> None:
    """Change a syndicate's identity and replace its members (unchanged members keep their rows)."""
    name, siren = _check_syndicate(data, syndicate)
    _sync_syndicate_members(syndicate, data)
    syndicate.name, syndicate.siren, syndicate.purpose = name, siren, data.purpose.strip()
    db.session.flush()


def delete_syndicate(syndicate: Syndicate) -> int:
    """Remove a syndicate, its members and the mandates held in it (removed by the receivers of
    `signals.syndicate_deleting`); returns how many mandates went with it."""
    removed = sum(count for _receiver, count in signals.syndicate_deleting.send(syndicate))
    db.session.delete(syndicate)
    db.session.flush()
    return removed
