"""Turnout statistics per year: by meeting, by CC (concertations), by town (Rendez-vous de Territoire),
and the invitees who never came. Only meetings already held whose attendance was recorded count.

A handful of grouped queries, whatever the number of meetings or invitees.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, extract, func, select
from sqlalchemy.orm import selectinload

from concertation.core.text import sort_key
from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.meetings.models import Meeting, MeetingInvitee, MeetingStatus
from concertation.minutes.enums import AttendanceStatus
from concertation.minutes.models import Attendance
from concertation.people.models import Person, person_sort_key
from concertation.territory.models import Sector

CAME = (AttendanceStatus.PRESENT, AttendanceStatus.REPRESENTE)


def _rate(came: int, invited: int) -> float | None:
    return round(100 * came / invited, 1) if invited else None


def rate_label(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.1f} %".replace(".", ",")


class _Rated:
    """A turnout: `came` of `invited`, as a rate in percent."""

    invited: int
    came: int

    @property
    def rate(self) -> float | None:
        return _rate(self.came, self.invited)

    @property
    def rate_label(self) -> str:
        return rate_label(self.rate)


@dataclass(frozen=True)
class MeetingTurnout(_Rated):
    meeting_id: int
    title: str
    kind_label: str
    scope: str
    on: date
    invited: int
    came: int


@dataclass(frozen=True)
class GroupTurnout(_Rated):
    label: str
    meetings: int
    invited: int
    came: int


@dataclass(frozen=True)
class NeverCame:
    person_id: int
    name: str
    qualities: list[str]
    invitations: int


@dataclass(frozen=True)
class TurnoutStats:
    year: int
    meetings: list[MeetingTurnout]
    by_cc: list[GroupTurnout]
    by_town: list[GroupTurnout]
    never_came: list[NeverCame]
    total: GroupTurnout


def stats_years() -> list[int]:
    """The years with at least one meeting whose attendance was recorded, most recent first."""
    years = db.session.scalars(
        select(extract("year", Meeting.starts_at))
        .where(Meeting.id.in_(select(Attendance.meeting_id)), Meeting.starts_at <= now_utc())
        .distinct()
    )
    return sorted({int(y) for y in years}, reverse=True)


def _counts(statement: Select[int, int]) -> dict[int, int]:
    return {int(key): int(n) for key, n in db.session.execute(statement)}


def _group(label: str, rows: Iterable[MeetingTurnout]) -> GroupTurnout:
    items = list(rows)
    return GroupTurnout(label, len(items), sum(r.invited for r in items), sum(r.came for r in items))


def turnout_stats(year: int) -> TurnoutStats:
    meetings = list(
        db.session.scalars(
            select(Meeting)
            .where(
                extract("year", Meeting.starts_at) == year,
                Meeting.status != MeetingStatus.ANNULEE,
                Meeting.id.in_(select(Attendance.meeting_id)),
                # Attendance typed ahead (before the rule that opens it on the day) is no turnout.
                Meeting.starts_at <= now_utc(),
            )
            .options(
                selectinload(Meeting.sector).selectinload(Sector.town), selectinload(Meeting.intercommunality)
            )
            .order_by(Meeting.starts_at, Meeting.id)
        )
    )
    ids = [m.id for m in meetings]
    current = and_(MeetingInvitee.meeting_id.in_(ids), MeetingInvitee.removed_at.is_(None))
    invited = _counts(
        select(MeetingInvitee.meeting_id, func.count(MeetingInvitee.id))
        .where(current)
        .group_by(MeetingInvitee.meeting_id)
    )
    came_rows = (
        select(Attendance.meeting_id, Attendance.person_id)
        .join(MeetingInvitee, MeetingInvitee.id == Attendance.invitee_id)
        .where(current, Attendance.status.in_(CAME))
    )
    came: dict[int, int] = {}
    came_persons: set[int] = set()
    for meeting_id, person_id in db.session.execute(came_rows):
        came[meeting_id] = came.get(meeting_id, 0) + 1
        if person_id is not None:
            came_persons.add(person_id)
    rows = [
        MeetingTurnout(
            m.id, m.title, m.kind.label, m.scope_label, m.on, invited.get(m.id, 0), came.get(m.id, 0)
        )
        for m in meetings
    ]
    by_meeting = dict(zip(ids, rows, strict=True))
    cc: dict[str, list[MeetingTurnout]] = {}
    town: dict[str, list[MeetingTurnout]] = {}
    for meeting in meetings:
        if meeting.intercommunality is not None:
            cc.setdefault(meeting.intercommunality.name, []).append(by_meeting[meeting.id])
        if meeting.sector is not None:
            town.setdefault(meeting.sector.town.name, []).append(by_meeting[meeting.id])
    return TurnoutStats(
        year=year,
        meetings=rows,
        by_cc=[_group(label, cc[label]) for label in sorted(cc, key=sort_key)],
        by_town=[_group(label, town[label]) for label in sorted(town, key=sort_key)],
        never_came=_never_came(current, came_persons),
        total=_group("Total", rows),
    )


def _never_came(current: ColumnElement[bool], came_persons: set[int]) -> list[NeverCame]:
    """Persons invited to the year's meetings who were never present nor represented."""
    invitations = _counts(
        select(MeetingInvitee.person_id, func.count(MeetingInvitee.id))
        .where(current)
        .group_by(MeetingInvitee.person_id)
    )
    absent = [pid for pid in invitations if pid not in came_persons]
    if not absent:
        return []
    persons = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(absent)))}
    qualities: dict[int, list[str]] = {}
    for line in db.session.scalars(
        select(MeetingInvitee)
        .where(current, MeetingInvitee.person_id.in_(absent))
        .order_by(MeetingInvitee.id)
    ):
        qualities[line.person_id] = list(line.qualities)
    found = [
        NeverCame(pid, persons[pid].display_name, qualities.get(pid, []), invitations[pid]) for pid in absent
    ]
    return sorted(found, key=lambda n: (-n.invitations, person_sort_key(persons[n.person_id])))
