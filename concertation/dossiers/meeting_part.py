"""The part of every dossier about the meeting itself: when, where, the agenda, who is invited.

The invitees are grouped as on the attendance sheet (minutes.sheet): by CC, then by commune, each with
every quality of the list, so that both documents read the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from concertation.core.dates import format_meeting_time
from concertation.meetings.models import Meeting
from concertation.minutes.sheet import SheetGroup, build_sheet


@dataclass(frozen=True)
class AgendaLine:
    title: str
    description: str


@dataclass(frozen=True)
class MeetingPart:
    title: str
    kind_label: str
    purpose_label: str
    scope: str
    # "mardi 9 mars 2027 de 14 h 00 à 17 h 00", read in Europe/Paris.
    when: str
    place: list[str]
    agenda: list[AgendaLine]
    invitee_groups: list[SheetGroup]
    invitee_count: int


def place_lines(meeting: Meeting) -> list[str]:
    """The place as printed on a letter: name, address lines, commune (none: still to be set)."""
    lines = [meeting.location_name, *meeting.location_address.splitlines()]
    if meeting.location_commune is not None:
        lines.append(meeting.location_commune.name)
    return [line.strip() for line in lines if line.strip()]


def meeting_part(meeting: Meeting) -> MeetingPart:
    """The meeting as it stands: its agenda, and its invitee list (frozen once convoked)."""
    sheet = build_sheet(meeting)
    return MeetingPart(
        title=meeting.title,
        kind_label=meeting.kind.label,
        purpose_label=meeting.purpose_label,
        scope=meeting.scope_label,
        when=format_meeting_time(meeting.starts_at, meeting.ends_at),
        place=place_lines(meeting),
        agenda=[AgendaLine(item.title, item.description) for item in meeting.agenda_items],
        invitee_groups=sheet.groups,
        invitee_count=sheet.invitee_count,
    )
