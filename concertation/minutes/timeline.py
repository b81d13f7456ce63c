"""The contract's timeline: its meetings, the decisions taken there, its avenants and stage changes,
in the order they happened (the contracts history, with the meetings and decisions added)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from concertation.contracts.enums import EventKind
from concertation.contracts.history import timeline as history
from concertation.contracts.models import Contract
from concertation.core.labels import LabelledEnum
from concertation.core.timeutils import PARIS
from concertation.extensions import db
from concertation.meetings.models import Meeting, MeetingStatus
from concertation.minutes.models import Decision


class EntryKind(LabelledEnum):
    """What a line of the timeline is; at the same instant, lines come in this order."""

    MEETING = "meeting", "Réunion"
    DECISION = "decision", "Décision"
    AMENDMENT = "amendment", "Avenant"
    STAGE = "stage", "Étape"


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: EntryKind
    summary: str
    meeting_id: int | None = None
    meeting_title: str = ""
    detail: str = ""
    is_undone: bool = False

    @property
    def is_day_only(self) -> bool:
        """Stage changes are dated by day, not by instant."""
        return self.kind is EntryKind.STAGE


def _day(value: str) -> datetime | None:
    try:
        return datetime.combine(date.fromisoformat(value), time(12), tzinfo=PARIS)
    except (TypeError, ValueError):
        return None


def contract_timeline(contract: Contract) -> list[TimelineEntry]:
    """Meetings, decisions, avenants and stage changes of the contract, oldest first (four queries)."""
    meetings = list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.contract_id == contract.id, Meeting.status != MeetingStatus.ANNULEE)
            .options(selectinload(Meeting.intercommunality), selectinload(Meeting.sector))
        )
    )
    decisions = list(
        db.session.scalars(
            select(Decision)
            .where(Decision.contract_id == contract.id)
            .options(selectinload(Decision.meeting))
        )
    )
    by_event = {d.event_id: d for d in decisions if d.event_id is not None}
    entries = [
        TimelineEntry(
            m.starts_at, EntryKind.MEETING, f"{m.kind.label} : {m.title}", m.id, m.title, m.purpose_label
        )
        for m in meetings
    ]
    for decision in decisions:
        entries.append(
            TimelineEntry(
                decision.created_at,
                EntryKind.DECISION,
                f"{decision.kind.label} — {decision.summary}",
                decision.meeting_id,
                decision.meeting.title,
                decision.text if decision.text != decision.summary else "",
                not decision.is_active,
            )
        )
    for event in history(contract.id):
        if event.id in by_event:
            continue
        if event.kind == EventKind.STAGE:
            at = _day(str(event.details.get("date", ""))) or event.created_at
            entries.append(TimelineEntry(at, EntryKind.STAGE, event.summary, event.meeting_id))
        elif event.kind == EventKind.AMENDMENT:
            entries.append(
                TimelineEntry(event.created_at, EntryKind.AMENDMENT, event.summary, event.meeting_id)
            )
    titles = {m.id: m.title for m in meetings} | {d.meeting_id: d.meeting.title for d in decisions}
    entries = [
        e if e.meeting_title or e.meeting_id is None else _with_title(e, titles.get(e.meeting_id, ""))
        for e in entries
    ]
    return sorted(entries, key=lambda e: (e.at, list(EntryKind).index(e.kind)))


def _with_title(entry: TimelineEntry, title: str) -> TimelineEntry:
    return TimelineEntry(
        entry.at, entry.kind, entry.summary, entry.meeting_id, title, entry.detail, entry.is_undone
    )
