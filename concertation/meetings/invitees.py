"""Invitee list changes: manual additions and removals (overrides that survive recomputation), the
frozen list and how it is brought in line with today's computation."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import inspect, select
from sqlalchemy.orm.attributes import set_committed_value

from concertation.accounts.models import User
from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.meetings import signals
from concertation.meetings.composition import ComputedInvitee, compute_invitees
from concertation.meetings.exceptions import InvalidInviteeChange, MeetingNotEditable
from concertation.meetings.models import InviteeOverride, Meeting, MeetingInvitee, OverrideAction
from concertation.people.models import Person, person_sort_key


def add_invitee(meeting: Meeting, person: Person, reason: str, by: User | None) -> InviteeOverride | None:
    """A manual addition that survives recomputation; the caller commits.

    Returns the override, or None when lifting an earlier manual removal was enough.
    """
    reason, override = _start_change(meeting, person, reason, "Indiquez la raison de l'ajout.")
    if override is not None and override.action == OverrideAction.ADD:
        raise InvalidInviteeChange(f"{person.full_name} est déjà ajouté(e) manuellement.")
    if override is not None:
        _drop(meeting, override)
        if _invited_by_rules(meeting, person):
            # Lifting the removal is enough: the rules invite the person again.
            _sync_frozen(meeting, person, reason)
            return None
    if _invited_by_rules(meeting, person):
        raise InvalidInviteeChange(f"{person.full_name} est déjà invité(e) par les règles de composition.")
    added = InviteeOverride(
        meeting=meeting, person=person, action=OverrideAction.ADD, reason=reason, created_by=by
    )
    db.session.add(added)
    db.session.flush()
    _sync_frozen(meeting, person, reason)
    return added


def remove_invitee(meeting: Meeting, person: Person, reason: str, by: User | None) -> None:
    """A manual removal that survives recomputation; the caller commits."""
    reason, override = _start_change(meeting, person, reason, "Indiquez la raison du retrait.")
    if override is not None and override.action == OverrideAction.ADD:
        _drop(meeting, override)
    else:
        if not _invited_by_rules(meeting, person):
            raise InvalidInviteeChange(f"{person.full_name} ne figure pas dans la liste des invités.")
        db.session.add(
            InviteeOverride(
                meeting=meeting, person=person, action=OverrideAction.REMOVE, reason=reason, created_by=by
            )
        )
        db.session.flush()
    _sync_frozen(meeting, person, reason)


def _start_change(
    meeting: Meeting, person: Person, reason: str, no_reason: str
) -> tuple[str, InviteeOverride | None]:
    """The checks a manual change starts with; returns the stripped reason and the person's override."""
    reason = reason.strip()
    if not reason:
        raise InvalidInviteeChange(no_reason)
    _check_list_editable(meeting)
    return reason, _override_for(meeting, person)


def _drop(meeting: Meeting, override: InviteeOverride) -> None:
    meeting.overrides.remove(override)
    db.session.delete(override)
    db.session.flush()


def _invited_by_rules(meeting: Meeting, person: Person) -> bool:
    return any(line.person.id == person.id for line in compute_invitees(meeting))


def _sync_frozen(meeting: Meeting, person: Person, reason: str) -> None:
    """Once the list is frozen, a manual change applies to it at once (and notifies that person)."""
    if meeting.is_frozen:
        apply_diff(meeting, reason, only={person.id})


def _check_list_editable(meeting: Meeting) -> None:
    if not meeting.is_editable:
        raise MeetingNotEditable(meeting.status.label)


def _override_for(meeting: Meeting, person: Person) -> InviteeOverride | None:
    return next((o for o in meeting.overrides if o.person_id == person.id), None)


def current_invitees(meeting: Meeting) -> list[MeetingInvitee]:
    """The frozen list's current lines, by name."""
    lines = [i for i in meeting.invitees if i.is_current]
    missing = [i for i in lines if "person" in inspect(i).unloaded]
    if missing:
        # One query for every person instead of one lazy load each.
        ids = {i.person_id for i in missing}
        persons = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(ids)))}
        for invitee in missing:
            set_committed_value(invitee, "person", persons[invitee.person_id])
    return sorted(lines, key=lambda i: person_sort_key(i.person))


def freeze_invitees(meeting: Meeting) -> list[MeetingInvitee]:
    """Snapshot the computed list (done when invitations are sent); the caller commits."""
    if meeting.is_frozen:
        return current_invitees(meeting)
    for line in compute_invitees(meeting):
        meeting.invitees.append(
            # removed_at given: otherwise each new row would reload it after the flush, one query each.
            MeetingInvitee(person=line.person, qualities=line.qualities, source=line.source, removed_at=None)
        )
    meeting.invitees_frozen_at = now_utc()
    db.session.flush()
    return current_invitees(meeting)


@dataclass
class InviteeDiff:
    """How the list computed today differs from the frozen list."""

    added: list[ComputedInvitee] = field(default_factory=list)
    removed: list[MeetingInvitee] = field(default_factory=list)
    requalified: list[tuple[MeetingInvitee, list[str]]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.requalified)


def invitee_diff(meeting: Meeting) -> InviteeDiff:
    """Who would be added or removed if the list were recomputed now."""
    diff = InviteeDiff()
    if not meeting.is_frozen:
        return diff
    computed = {line.person.id: line for line in compute_invitees(meeting)}
    frozen = {i.person_id: i for i in meeting.invitees if i.is_current}
    diff.added = [line for pid, line in computed.items() if pid not in frozen]
    diff.removed = [i for pid, i in frozen.items() if pid not in computed]
    diff.requalified = [
        (i, computed[pid].qualities)
        for pid, i in frozen.items()
        if pid in computed and list(i.qualities) != computed[pid].qualities
    ]
    return diff


@dataclass
class AppliedDiff:
    added: list[MeetingInvitee]
    removed: list[MeetingInvitee]


def apply_diff(
    meeting: Meeting, reason: str = "Mise à jour des mandats ou des règles", *, only: set[int] | None = None
) -> AppliedDiff:
    """Bring the frozen list in line with today's computation (for the persons in `only`, if given).

    The caller commits and notifies.
    """
    diff = invitee_diff(meeting)
    if only is not None:
        diff.added = [line for line in diff.added if line.person.id in only]
        diff.removed = [row for row in diff.removed if row.person_id in only]
        diff.requalified = [(row, q) for row, q in diff.requalified if row.person_id in only]
    now = now_utc()
    previous = {i.person_id: i for i in meeting.invitees}
    added: list[MeetingInvitee] = []
    for line in diff.added:
        row = previous.get(line.person.id)
        if row is None:
            row = MeetingInvitee(person=line.person, qualities=line.qualities, source=line.source)
            meeting.invitees.append(row)
        else:
            row.removed_at = None
            row.removal_reason = ""
            row.qualities = line.qualities
            row.source = line.source
        added.append(row)
    for row in diff.removed:
        row.removed_at = now
        row.removal_reason = reason
    for row, qualities in diff.requalified:
        row.qualities = qualities
    db.session.flush()
    applied = AppliedDiff(added, diff.removed)
    if added or diff.removed:
        signals.invitees_changed.send(meeting, applied=applied)
    return applied
