"""Which contracts a meeting is about: the contract a concertation negotiates, those a Rendez-vous reviews.

A concertation of a CC is linked to one contract (`Meeting.contract`): at creation the CC's contract in
progress, then the one the organiser chooses, or none. A Rendez-vous de Territoire covers the contract in
progress of each CC of its sector. `resolve_contract` is the rule of the link, for the meeting services.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Literal

from concertation.contracts.models import Contract
from concertation.contracts.queries import contract_in_progress, contracts_of
from concertation.core.text import fold
from concertation.core.timeutils import to_paris
from concertation.extensions import db
from concertation.meetings import signals
from concertation.meetings.models import Meeting, MeetingKind
from concertation.territory.models import Intercommunality, Sector


class Link(Enum):
    """`MeetingInput.contract_id` when the organiser did not choose: the link follows the territory."""

    AUTO = "auto"


AUTO = Link.AUTO


def territory_ids(sector: Sector | None, intercommunality: Intercommunality | None) -> list[int]:
    """The CCs of a meeting's territory: its CC, or the CCs of its sector."""
    if intercommunality is not None:
        return [intercommunality.id]
    if sector is not None:
        return [epci.id for epci in sector.intercommunalities]
    return []


def contract_choices(meeting: Meeting) -> list[Contract]:
    """The contracts a meeting can be linked to: those of its CC, or of the CCs of its sector."""
    return contracts_of(territory_ids(meeting.sector, meeting.intercommunality))


def contract_for(intercommunality: Intercommunality, on: date) -> Contract | None:
    """The contract a new concertation of this CC is linked to: the one in progress on its date."""
    return contract_in_progress(contracts_of([intercommunality.id]), on)


def contracts_covered(meeting: Meeting) -> list[Contract]:
    """The contracts the meeting is about, by CC name: a Rendez-vous covers the contract in progress of each
    CC of its sector (and the one it is linked to, if another); any other meeting, its linked contract."""
    covered: list[Contract] = [meeting.contract] if meeting.contract is not None else []
    if meeting.kind is MeetingKind.RENDEZ_VOUS and meeting.sector is not None:
        contracts = contract_choices(meeting)
        for epci in meeting.sector.intercommunalities:
            own = [c for c in contracts if c.intercommunality_id == epci.id]
            found = contract_in_progress(own, meeting.on)
            if found is not None and found not in covered:
                covered.append(found)
    return sorted(covered, key=lambda c: (fold(c.intercommunality.name), c.starts_on))


def resolve_contract(
    chosen: int | Literal[Link.AUTO] | None,
    meeting: Meeting | None,
    kind: MeetingKind | None,
    sector: Sector | None,
    intercommunality: Intercommunality | None,
    starts_at: datetime | None,
    errors: dict[str, str],
) -> Contract | None:
    """The contract a meeting being created (`meeting` None) or edited will be linked to; a refused
    choice (unknown, outside the territory) is put in `errors`."""
    territory = territory_ids(sector, intercommunality)
    if meeting is not None and chosen is not AUTO and chosen == meeting.contract_id:
        # The link shown in the form, left as it was: it follows a change of territory.
        chosen = AUTO
    if chosen is AUTO:
        if meeting is not None:
            current = meeting.contract
            same_territory = (sector, intercommunality) == (meeting.sector, meeting.intercommunality)
            if same_territory or (current is not None and current.intercommunality_id in territory):
                return current
        if kind is MeetingKind.CONCERTATION and intercommunality is not None and starts_at is not None:
            return contract_for(intercommunality, to_paris(starts_at).date())
        return None
    if chosen is None:
        return None
    contract = db.session.get(Contract, chosen)
    if contract is None:
        errors["contract_id"] = f"Contrat inconnu : aucun contrat n'a l'identifiant {chosen}."
    elif contract.intercommunality_id not in territory:
        errors["contract_id"] = (
            f"Le contrat « {contract.title} » n'est pas celui d'une communauté de communes du territoire "
            "de la réunion."
            if territory
            else "La réunion ne porte sur aucune communauté de communes : pas de contrat à relier."
        )
    return contract


def check_relink(meeting: Meeting, contract: Contract | None, errors: dict[str, str]) -> None:
    """Ask the domains above (minutes) whether the meeting may leave its contract; their refusal goes
    in `errors`."""
    if meeting.contract_id == (contract.id if contract is not None else None):
        return
    for _receiver, refusal in signals.contract_relinking.send(meeting, contract=contract):
        if isinstance(refusal, str) and refusal:
            errors["contract_id"] = refusal
            return
