"""Turning a reminder kind off for one meeting or one contract."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from concertation.contracts.models import Contract
from concertation.core.ids import parse_id
from concertation.extensions import db
from concertation.followup.forms import CONTRACT_KINDS, MEETING_KINDS
from concertation.followup.models import ReminderKind, ReminderOptOut
from concertation.meetings.models import Meeting


class InvalidOptOut(Exception):
    """A French message for the organiser."""


def _parse(target: str) -> tuple[str, int] | None:
    kind, _, raw = target.partition("-")
    object_id = parse_id(raw)  # not str.isdigit(): "²" crashed int(), a huge id the database
    if kind not in ("reunion", "contrat") or object_id is None:
        return None
    return kind, object_id


def target_label(target: str) -> str | None:
    parsed = _parse(target)
    if parsed is None:
        return None
    kind, object_id = parsed
    if kind == "reunion":
        meeting = db.session.get(Meeting, object_id)
        return f"la réunion « {meeting.title} »" if meeting else None
    contract = db.session.get(Contract, object_id)
    return f"le contrat « {contract.title} »" if contract else None


def turn_off(kind: ReminderKind, target: str) -> ReminderOptOut:
    """Record the opt-out; the caller commits."""
    parsed = _parse(target)
    if parsed is None or target_label(target) is None:
        raise InvalidOptOut("Réunion ou contrat introuvable.")
    what, object_id = parsed
    allowed = MEETING_KINDS if what == "reunion" else CONTRACT_KINDS
    if kind not in allowed:
        raise InvalidOptOut("Ce rappel ne concerne pas ce type d'objet.")
    column = ReminderOptOut.meeting_id if what == "reunion" else ReminderOptOut.contract_id
    existing = db.session.scalar(
        select(ReminderOptOut).where(ReminderOptOut.kind == kind, column == object_id)
    )
    if existing is not None:
        raise InvalidOptOut("Ce rappel est déjà désactivé.")
    item = ReminderOptOut(kind=kind)
    if what == "reunion":
        item.meeting_id = object_id
    else:
        item.contract_id = object_id
    db.session.add(item)
    db.session.flush()
    return item


def describe_targets(items: Sequence[ReminderOptOut]) -> dict[int, str]:
    """A label for each opt-out's meeting or contract."""
    labels: dict[int, str] = {}
    for item in items:
        target = f"reunion-{item.meeting_id}" if item.meeting_id else f"contrat-{item.contract_id}"
        labels[item.id] = target_label(target) or "objet supprimé"
    return labels
