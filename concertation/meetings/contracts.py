"""Which contracts a meeting is about: the contract a concertation negotiates, those a Rendez-vous reviews.

A concertation of a CC is linked to one contract (`Meeting.contract`): at creation the CC's contract in
progress, then the one the organiser chooses, or none. A Rendez-vous de Territoire covers the contract in
progress of each CC of its sector.
"""

from __future__ import annotations

from datetime import date

from concertation.contracts.models import Contract
from concertation.contracts.queries import contract_in_progress, contracts_of
from concertation.core.text import fold
from concertation.meetings.models import Meeting, MeetingKind
from concertation.territory.models import Intercommunality, Sector


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
