"""Who is invited: the composition rules applied to a meeting's territory on the meeting's date."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import lambda_stmt, select
from sqlalchemy.orm import joinedload

from concertation.extensions import db
from concertation.meetings.composition_sql import (
    MANDATE_ROW,
    RULE_ROW,
    SELECTOR_ROLE,
    build_list_statement,
    build_territory_statement,
)
from concertation.meetings.models import (
    CompositionRule,
    InviteeSource,
    Meeting,
    MeetingKind,
    OverrideAction,
    Selector,
)
from concertation.people.models import Mandate, Person, Role, canton_label, describe_quality, person_sort_key
from concertation.territory.models import Intercommunality, Sector

__all__ = [
    "DEFAULT_RULES",
    "SELECTOR_ROLE",
    "ComputedInvitee",
    "Territory",
    "compute_invitees",
    "ensure_default_rules",
    "meeting_territory",
    "rules_for",
    "territory_for",
]

DEFAULT_RULES: dict[MeetingKind, tuple[Selector, ...]] = {
    MeetingKind.RENDEZ_VOUS: (
        Selector.MAIRES,
        Selector.PRESIDENTS_EPCI,
        Selector.PRESIDENTS_SYNDICATS,
        Selector.CONSEILLERS_DEPARTEMENTAUX,
    ),
    MeetingKind.CONCERTATION: (
        Selector.MAIRES,
        Selector.PRESIDENTS_EPCI,
        Selector.PRESIDENTS_SYNDICATS,
        Selector.CONSEILLERS_DEPARTEMENTAUX,
    ),
    MeetingKind.AUTRE: (),
}

# A lambda statement is looked up in SQLAlchemy's compiled cache by its code alone: the plain statement's
# cache key, a tuple the size of the whole statement, would be hashed again at every call.
_LIST_STATEMENT = lambda_stmt(lambda: build_list_statement())
_TERRITORY_STATEMENT = build_territory_statement()


@dataclass
class Territory:
    """The bodies a meeting covers, as id -> name maps."""

    communes: dict[int, str] = field(default_factory=dict)
    intercommunalities: dict[int, str] = field(default_factory=dict)
    syndicates: dict[int, str] = field(default_factory=dict)
    cantons: dict[int, str] = field(default_factory=dict)

    def names(self, kind: str) -> dict[int, str]:
        return {
            "commune": self.communes,
            "intercommunality": self.intercommunalities,
            "syndicate": self.syndicates,
            "canton": self.cantons,
        }[kind]


@dataclass
class ComputedInvitee:
    """One line of the list: a person and every quality that brought them."""

    person: Person
    qualities: list[str]
    source: InviteeSource = InviteeSource.RULE
    reason: str = ""


def territory_for(
    kind: MeetingKind | str, sector: Sector | None, intercommunality: Intercommunality | None, on: date
) -> Territory:
    """The communes, EPCIs, syndicates and cantons of a sector or an intercommunality on a date."""
    return _territory(
        {
            "sector_id": sector.id if sector is not None else None,
            "epci_id": intercommunality.id if intercommunality is not None else None,
            "on": on,
        }
    )


def meeting_territory(meeting: Meeting) -> Territory:
    return _territory(_scope(meeting))


def _territory(scope: dict[str, Any]) -> Territory:
    territory = Territory()
    for kind, body_id, name in db.session.execute(_TERRITORY_STATEMENT, scope):
        territory.names(kind)[body_id] = canton_label(name) if kind == "canton" else name
    return territory


def _scope(meeting: Meeting) -> dict[str, Any]:
    """The bind parameters of a meeting's territory."""
    if db.session.autoflush:
        # The ids are read before the statement's own autoflush: a meeting just made must get them first.
        db.session.flush()
    return {"sector_id": meeting.sector_id, "epci_id": meeting.intercommunality_id, "on": meeting.on}


def rules_for(kind: MeetingKind | str) -> list[CompositionRule]:
    return list(
        db.session.scalars(
            select(CompositionRule)
            .where(CompositionRule.meeting_kind == kind, CompositionRule.is_enabled.is_(True))
            .order_by(CompositionRule.position, CompositionRule.id)
        )
    )


def ensure_default_rules() -> int:
    """Create the default rules of each kind that has none at all; returns how many were created."""
    created = 0
    for kind, selectors in DEFAULT_RULES.items():
        exists = db.session.scalar(
            select(CompositionRule.id).where(CompositionRule.meeting_kind == kind).limit(1)
        )
        if exists is not None:
            continue
        for position, selector in enumerate(selectors):
            db.session.add(CompositionRule(meeting_kind=kind, selector=selector, position=position))
            created += 1
    db.session.flush()
    return created


def compute_invitees(meeting: Meeting) -> list[ComputedInvitee]:
    """The list the rules and the manual changes give today for this meeting.

    One line per person, sorted by last then first name; qualities in the order of the rules that brought
    them, then the labels of the rules naming the person. A manual removal drops a line; a manual addition
    of someone the rules leave out adds one with their mandates of the day (or "Invité(e)").
    """
    params = _scope(meeting) | {"kind": meeting.kind, "meeting_id": meeting.id}
    rules: list[tuple[int, int, str, Person | None, str]] = []
    overrides: list[tuple[Person, str, str]] = []
    # Each person's wordings, with the role that first gave each: ranked once every rule is read.
    held: dict[Person, dict[str, str]] = {}
    for person, tag, code, text, position, rule_id in db.session.execute(_LIST_STATEMENT, params):
        if person is None:
            if tag == RULE_ROW:
                rules.append((position, rule_id, code, None, text))
        elif tag == MANDATE_ROW:
            qualities = held.get(person)
            if qualities is None:
                qualities = held[person] = {}
            qualities.setdefault(_quality(code, text, person.civility), code)
        elif tag == RULE_ROW:
            rules.append((position, rule_id, code, person, text))
        else:
            overrides.append((person, code, text))
    # Rows of a UNION ALL come in no promised order: the rules are put back in theirs.
    rules.sort(key=lambda rule: (rule[0], rule[1]))
    lines = _rule_lines(rules, held)
    return _by_name(_apply_overrides(lines, overrides, meeting.on))


@lru_cache(maxsize=4096)
def _quality(role: str, body_name: str, civility: str) -> str:
    # The same few thousand élus come back in every list: their wording is worth remembering.
    held = Role(role)
    if held is Role.CONSEILLER_DEPARTEMENTAL:
        body_name = canton_label(body_name)  # the statement gives a canton's bare name
    return describe_quality(held, body_name, civility)


def _rule_lines(
    rules: list[tuple[int, int, str, Person | None, str]], held: dict[Person, dict[str, str]]
) -> dict[int, ComputedInvitee]:
    rank: dict[str, int] = {}
    for _, _, code, _, _ in rules:
        selector = Selector(code)
        if selector is not Selector.PERSON:
            rank.setdefault(SELECTOR_ROLE[selector][0].value, len(rank))
    # Standing roles no rule picks come after, in the order of the selectors.
    for role, _ in SELECTOR_ROLE.values():
        rank.setdefault(role.value, len(rank))
    lines: dict[int, ComputedInvitee] = {}
    for person, qualities in held.items():
        ordered = list(qualities)
        if len(ordered) > 1:
            ordered.sort(key=lambda quality: (rank[qualities[quality]], quality))
        lines[person.id] = ComputedInvitee(person, ordered)
    for _, _, code, guest, label in rules:
        if guest is not None and code == Selector.PERSON:
            line = lines.get(guest.id)
            if line is None:
                line = lines[guest.id] = ComputedInvitee(guest, [])
            line.qualities.append(label or "Invité(e) du Département")
    return lines


def _apply_overrides(
    lines: dict[int, ComputedInvitee], overrides: Iterable[tuple[Person, str, str]], on: date
) -> Iterable[ComputedInvitee]:
    added: list[tuple[Person, str]] = []
    for person, action, reason in overrides:
        if action == OverrideAction.REMOVE:
            lines.pop(person.id, None)
        elif person.id not in lines:
            added.append((person, reason))
    if added:
        _load_mandates([person.id for person, _ in added])
    for person, reason in added:
        qualities = [m.quality for m in person.mandates_on(on)] or ["Invité(e)"]
        lines[person.id] = ComputedInvitee(person, qualities, InviteeSource.MANUAL, reason)
    return lines.values()


def _load_mandates(person_ids: list[int]) -> None:
    """Persons' mandates and the bodies their qualities name, in one statement."""
    db.session.execute(
        select(Person)
        .where(Person.id.in_(person_ids))
        .options(
            joinedload(Person.mandates).options(
                joinedload(Mandate.commune),
                joinedload(Mandate.intercommunality),
                joinedload(Mandate.canton),
                joinedload(Mandate.syndicate),
            )
        )
    ).unique().all()


def _by_name(lines: Iterable[ComputedInvitee]) -> list[ComputedInvitee]:
    return sorted(lines, key=lambda line: person_sort_key(line.person))
