"""Who is invited: the composition rules applied to a meeting's territory on the meeting's date."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import selectinload

from concertation.extensions import db
from concertation.meetings.models import (
    CompositionRule,
    InviteeSource,
    Meeting,
    MeetingKind,
    OverrideAction,
    Selector,
)
from concertation.people.models import Mandate, Person, Role, describe_quality
from concertation.territory.models import (
    Canton,
    Commune,
    Intercommunality,
    IntercommunalityMembership,
    Sector,
    Syndicate,
    SyndicateMember,
    canton_communes,
    sector_communes,
    sector_intercommunalities,
)

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

# The mandate role each territorial selector picks, and the kind of body it looks at.
SELECTOR_ROLE: dict[Selector, tuple[Role, str | None]] = {
    Selector.MAIRES: (Role.MAIRE, "commune"),
    Selector.MAIRES_DELEGUES: (Role.MAIRE_DELEGUE, "commune"),
    Selector.ADJOINTS: (Role.ADJOINT, "commune"),
    Selector.PRESIDENTS_EPCI: (Role.PRESIDENT_EPCI, "intercommunality"),
    Selector.VICE_PRESIDENTS_EPCI: (Role.VICE_PRESIDENT_EPCI, "intercommunality"),
    Selector.CONSEILLERS_COMMUNAUTAIRES: (Role.CONSEILLER_COMMUNAUTAIRE, "intercommunality"),
    Selector.PRESIDENTS_SYNDICATS: (Role.PRESIDENT_SYNDICAT, "syndicate"),
    Selector.CONSEILLERS_DEPARTEMENTAUX: (Role.CONSEILLER_DEPARTEMENTAL, "canton"),
    Selector.PRESIDENT_CONSEIL_DEPARTEMENTAL: (Role.PRESIDENT_CONSEIL_DEPARTEMENTAL, None),
}


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


def _valid_on(on: date) -> ColumnElement[bool]:
    return and_(
        or_(Mandate.starts_on.is_(None), Mandate.starts_on <= on),
        or_(Mandate.ends_on.is_(None), Mandate.ends_on >= on),
    )


def _membership_valid_on(on: date) -> ColumnElement[bool]:
    return and_(
        or_(IntercommunalityMembership.starts_on.is_(None), IntercommunalityMembership.starts_on <= on),
        or_(IntercommunalityMembership.ends_on.is_(None), IntercommunalityMembership.ends_on >= on),
    )


def territory_for(
    kind: MeetingKind | str, sector: Sector | None, intercommunality: Intercommunality | None, on: date
) -> Territory:
    """The communes, EPCIs, syndicates and cantons of a sector or an intercommunality on a date."""
    epci_ids: set[int] = set()
    commune_ids: set[int] = set()
    if intercommunality is not None:
        epci_ids.add(intercommunality.id)
    if sector is not None:
        epci_ids.update(
            db.session.scalars(
                select(sector_intercommunalities.c.intercommunality_id).where(
                    sector_intercommunalities.c.sector_id == sector.id
                )
            )
        )
        commune_ids.update(
            db.session.scalars(
                select(sector_communes.c.commune_id).where(sector_communes.c.sector_id == sector.id)
            )
        )
    if epci_ids:
        commune_ids.update(
            db.session.scalars(
                select(IntercommunalityMembership.commune_id).where(
                    IntercommunalityMembership.intercommunality_id.in_(epci_ids), _membership_valid_on(on)
                )
            )
        )
    territory = Territory()
    if not commune_ids and not epci_ids:
        return territory
    territory.communes = dict(
        db.session.execute(select(Commune.id, Commune.name).where(Commune.id.in_(commune_ids))).all()
    )
    territory.intercommunalities = dict(
        db.session.execute(
            select(Intercommunality.id, Intercommunality.name).where(Intercommunality.id.in_(epci_ids))
        ).all()
    )
    territory.syndicates = dict(
        db.session.execute(
            select(Syndicate.id, Syndicate.name)
            .join(SyndicateMember, SyndicateMember.syndicate_id == Syndicate.id)
            .where(
                or_(
                    SyndicateMember.commune_id.in_(commune_ids),
                    SyndicateMember.intercommunality_id.in_(epci_ids),
                )
            )
            .distinct()
        ).all()
    )
    territory.cantons = {
        canton_id: f"canton de {name}"
        for canton_id, name in db.session.execute(
            select(Canton.id, Canton.name)
            .join(canton_communes, canton_communes.c.canton_id == Canton.id)
            .where(canton_communes.c.commune_id.in_(commune_ids))
            .distinct()
        )
    }
    return territory


def meeting_territory(meeting: Meeting) -> Territory:
    return territory_for(meeting.kind, meeting.sector, meeting.intercommunality, meeting.on)


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


def compute_rule_invitees(
    rules: Sequence[CompositionRule], territory: Territory, on: date
) -> list[ComputedInvitee]:
    """Apply the rules: one line per person, qualities in rule order, persons sorted by name."""
    clauses: list[ColumnElement[bool]] = []
    order: dict[Role, int] = {}
    named: list[CompositionRule] = []
    for rule in rules:
        selector = Selector(rule.selector)
        if selector is Selector.PERSON:
            if rule.person_id is not None:
                named.append(rule)
            continue
        role, body = SELECTOR_ROLE[selector]
        order.setdefault(role, len(order))
        if body is None:
            clauses.append(Mandate.role == role)
            continue
        ids = territory.names(body)
        if ids:
            column = getattr(Mandate, f"{body}_id")
            clauses.append(and_(Mandate.role == role, column.in_(ids)))
    lines: dict[int, ComputedInvitee] = {}
    ranks: dict[int, list[tuple[int, str]]] = {}
    if clauses:
        rows = db.session.execute(
            select(Mandate, Person)
            .join(Person, Person.id == Mandate.person_id)
            .where(_valid_on(on), or_(*clauses) if len(clauses) > 1 else clauses[0])
        )
        for mandate, person in rows:
            role = Role(mandate.role)
            body_name = _body_name(mandate, territory)
            quality = describe_quality(role, body_name, person.civility)
            line = lines.setdefault(person.id, ComputedInvitee(person, []))
            if quality not in line.qualities:
                line.qualities.append(quality)
                ranks.setdefault(person.id, []).append((order[role], quality))
    for person_id, ranked in ranks.items():
        lines[person_id].qualities = [q for _, q in sorted(ranked)]
    if named:
        persons = {
            p.id: p
            for p in db.session.scalars(
                select(Person).where(Person.id.in_([r.person_id for r in named if r.person_id is not None]))
            )
        }
        for rule in named:
            guest = persons.get(rule.person_id or 0)
            if guest is None:
                continue
            line = lines.setdefault(guest.id, ComputedInvitee(guest, []))
            line.qualities.append(rule.label or "Invité(e) du Département")
    return sorted(
        lines.values(), key=lambda line: (line.person.last_name.lower(), line.person.first_name.lower())
    )


def _body_name(mandate: Mandate, territory: Territory) -> str:
    for kind in ("commune", "intercommunality", "syndicate", "canton"):
        body_id = getattr(mandate, f"{kind}_id")
        if body_id is not None:
            return territory.names(kind).get(body_id, "")
    return "Département de la Lozère"


def compute_invitees(meeting: Meeting) -> list[ComputedInvitee]:
    """The list the rules and the manual changes give today for this meeting."""
    on = meeting.on
    lines = compute_rule_invitees(rules_for(meeting.kind), meeting_territory(meeting), on)
    return apply_overrides(meeting, lines, on)


def apply_overrides(meeting: Meeting, lines: Iterable[ComputedInvitee], on: date) -> list[ComputedInvitee]:
    """Manual removals drop a line, manual additions add one with the person's current qualities."""
    by_person = {line.person.id: line for line in lines}
    for override in meeting.overrides:
        if override.action == OverrideAction.REMOVE:
            by_person.pop(override.person_id, None)
        elif override.person_id not in by_person:
            person = db.session.scalar(
                select(Person).where(Person.id == override.person_id).options(selectinload(Person.mandates))
            )
            if person is None:
                continue
            qualities = [m.quality for m in person.mandates_on(on)] or ["Invité(e)"]
            by_person[person.id] = ComputedInvitee(person, qualities, InviteeSource.MANUAL, override.reason)
    return sorted(
        by_person.values(), key=lambda line: (line.person.last_name.lower(), line.person.first_name.lower())
    )
