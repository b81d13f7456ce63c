"""The history of a contract: every change, who made it, when, and in which meeting if any.

`record_event` is the entry point for other domains too: the minutes domain records the decisions taken
in a meeting with an `Origin` naming the meeting, so that the timeline links back to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, column, select, table
from sqlalchemy.orm import selectinload

from concertation.contracts.enums import EventKind
from concertation.contracts.models import Contract, ContractEvent, ProjectSheet
from concertation.contracts.origin import Origin
from concertation.core.types import UTCDateTime
from concertation.extensions import db

# Meetings depend on contracts, not the reverse: the history reads the two columns it shows from the
# table itself rather than importing the meetings domain.
MEETING_TABLE = table("meeting", column("id"), column("title", String), column("starts_at", UTCDateTime))

MAX_SUMMARY = 500


def record_event(
    contract: Contract,
    *,
    summary: str,
    origin: Origin,
    project: ProjectSheet | None = None,
    details: dict[str, Any] | None = None,
    kind: str = EventKind.NOTE,
) -> ContractEvent:
    """Add a line to the contract's history and return it, flushed with the caller's pending changes
    (the caller commits).

    `summary` is a French sentence shown in the timeline; `details` a JSON-serialisable mapping (old and
    new values...); `origin` who made the change and in which meeting it was decided.
    """
    summary = " ".join(summary.split())
    if len(summary) > MAX_SUMMARY:
        summary = summary[: MAX_SUMMARY - 1] + "…"
    event = ContractEvent(
        contract=contract,
        project=project,
        user=origin.user,
        meeting_id=origin.meeting_id,
        kind=str(kind),
        summary=summary,
        details=details or {},
    )
    db.session.add(event)
    db.session.flush()
    return event


def timeline(
    contract_id: int, *, project_id: int | None = None, limit: int | None = None
) -> list[ContractEvent]:
    """The contract's history, most recent first, with users and projects loaded (no query per line)."""
    statement = (
        select(ContractEvent)
        .where(ContractEvent.contract_id == contract_id)
        .options(selectinload(ContractEvent.user), selectinload(ContractEvent.project))
        .order_by(ContractEvent.created_at.desc(), ContractEvent.id.desc())
    )
    if project_id is not None:
        statement = statement.where(ContractEvent.project_id == project_id)
    if limit is not None:
        statement = statement.limit(limit)
    return list(db.session.scalars(statement))


def kind_label(kind: str) -> str:
    # The column is a plain string: a kind no longer in EventKind shows as a note.
    event_kind = EventKind.get(kind)
    return event_kind.label if event_kind is not None else EventKind.NOTE.label


@dataclass(frozen=True)
class MeetingLabel:
    """What a history line shows of the meeting where a change was decided."""

    title: str
    starts_at: datetime


def meeting_labels(events: list[ContractEvent]) -> dict[int, MeetingLabel]:
    """The title and start of each meeting the events link to, by meeting id (one query)."""
    ids = {e.meeting_id for e in events if e.meeting_id is not None}
    if not ids:
        return {}
    rows = db.session.execute(
        select(MEETING_TABLE.c.id, MEETING_TABLE.c.title, MEETING_TABLE.c.starts_at).where(
            MEETING_TABLE.c.id.in_(ids)
        )
    )
    return {row.id: MeetingLabel(row.title, row.starts_at) for row in rows}
