"""Editing the composition rules of each kind of meeting (admins); the caller commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from concertation.extensions import db
from concertation.meetings.calendar import search_persons
from concertation.meetings.exceptions import MeetingError
from concertation.meetings.models import CompositionRule, MeetingKind, Selector
from concertation.people.models import Person, person_order

MAX_LABEL = 300


class InvalidRule(MeetingError):
    """A rule change that cannot be applied; the message is French."""


def rules_by_kind() -> dict[MeetingKind, list[CompositionRule]]:
    """Every rule, enabled or not, of each kind of meeting, in the order they are applied."""
    found: dict[MeetingKind, list[CompositionRule]] = {kind: [] for kind in MeetingKind}
    for rule in db.session.scalars(
        select(CompositionRule)
        .options(selectinload(CompositionRule.person))
        .order_by(CompositionRule.position, CompositionRule.id)
    ):
        found.setdefault(rule.meeting_kind, []).append(rule)
    return found


def guest_candidates(query: str) -> list[Person]:
    """Persons a named rule may invite: those matching the query, else the contacts without a mandate."""
    if query.strip():
        return search_persons(query, limit=50)
    return list(
        db.session.scalars(select(Person).where(~Person.mandates.any()).order_by(*person_order()).limit(200))
    )


def _rules_of(kind: MeetingKind | str) -> list[CompositionRule]:
    return list(
        db.session.scalars(
            select(CompositionRule)
            .where(CompositionRule.meeting_kind == kind)
            .order_by(CompositionRule.position, CompositionRule.id)
        )
    )


def _renumber(rules: list[CompositionRule]) -> None:
    for position, rule in enumerate(rules):
        rule.position = position


def add_rule(
    kind: MeetingKind | str, selector: Selector | str, *, person: Person | None = None, label: str = ""
) -> CompositionRule:
    """A new enabled rule at the end of its kind's list."""
    try:
        kind = MeetingKind(kind)
    except ValueError:
        raise InvalidRule("Type de réunion inconnu.") from None
    try:
        selector = Selector(selector)
    except ValueError:
        raise InvalidRule("Critère de composition inconnu.") from None
    label = label.strip()
    if len(label) > MAX_LABEL:
        raise InvalidRule(f"Le libellé dépasse {MAX_LABEL} caractères.")
    existing = _rules_of(kind)
    if selector is Selector.PERSON:
        if person is None:
            raise InvalidRule("Choisissez la personne à inviter nommément.")
        if any(r.selector == Selector.PERSON and r.person_id == person.id for r in existing):
            raise InvalidRule(f"{person.full_name} est déjà invité(e) nommément à ce type de réunion.")
    else:
        if person is not None:
            raise InvalidRule(
                "Une personne ne se choisit qu'avec le critère « Une personne nommément » : "
                "laissez le champ Personne vide."
            )
        if any(r.selector == selector for r in existing):
            raise InvalidRule(f"La règle « {selector.label} » existe déjà pour ce type de réunion.")
    rule = CompositionRule(
        meeting_kind=kind,
        selector=selector,
        person=person,
        label=label,
        is_enabled=True,
        position=len(existing),
    )
    db.session.add(rule)
    _renumber([*existing, rule])
    db.session.flush()
    return rule


def set_rule_enabled(rule: CompositionRule, is_enabled: bool) -> None:
    """Enable or disable a rule; frozen lists only see the change as a diff."""
    rule.is_enabled = is_enabled
    db.session.flush()


def move_rule(rule: CompositionRule, offset: int) -> None:
    """Move a rule up (offset -1) or down (+1) among its kind's rules; qualities follow this order."""
    rules = _rules_of(rule.meeting_kind)
    index = rules.index(rule)
    target = index + offset
    if not 0 <= target < len(rules):
        raise InvalidRule(
            "Cette règle est déjà la première." if offset < 0 else "Cette règle est déjà la dernière."
        )
    rules[index], rules[target] = rules[target], rules[index]
    _renumber(rules)
    db.session.flush()


def delete_rule(rule: CompositionRule) -> None:
    """Remove a rule for good (disable it to keep it for later)."""
    rules = [r for r in _rules_of(rule.meeting_kind) if r.id != rule.id]
    db.session.delete(rule)
    _renumber(rules)
    db.session.flush()
