"""iCalendar (iTIP) objects for meeting invitations: pure functions, no Flask, no database.

What each property must be and why is in shared/ICAL.md (points 9-22); the tests check each point
with independent parsers. One object is built per recipient: only that recipient is listed as
ATTENDEE, so an invitation never leaks the other invitees' addresses. The vocabulary is in
ics_types.py, the time zone in ics_timezone.py, the reading of answers in ics_reply.py.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from icalendar import Calendar, Event, vCalAddress

from concertation.core.text import clean_line, clean_text
from concertation.core.timeutils import PARIS
from concertation.notifications.addresses import UnwritableAddress, ascii_address
from concertation.notifications.ics_timezone import paris_vtimezone
from concertation.notifications.ics_types import (
    NO_LOCATION,
    AttendeeData,
    EventData,
    EventStatus,
    MeetingLike,
    Method,
    PartStat,
)


def meeting_uid(meeting_id: int, host: str) -> str:
    """The UID of a meeting's calendar event; it never changes, whatever happens to the meeting."""
    return f"meeting-{meeting_id}@{host}"


_MEETING_UID = re.compile(r"^meeting-(\d+)@(.+)$", re.IGNORECASE)


def meeting_id_of(uid: str) -> int | None:
    """The meeting a UID names (the inverse of meeting_uid), None for an event of another service."""
    match = _MEETING_UID.match(uid)
    return int(match.group(1)) if match else None


def clean_cn(name: str) -> str:
    """A display name fit for a CN parameter.

    Quotes cannot appear inside a quoted parameter, and CR/LF would end the line; "^" is
    dropped too because RFC 6868 escaping ("^^") is not understood by Outlook.
    """
    return clean_line(name.replace('"', " ").replace("^", " "))


def ical_text(value: str) -> str:
    """A TEXT value as written: one LF per line break (icalendar escapes it as "\\n"; a stray CR
    would be written raw), without the controls at which libical cuts a value (U+000B, U+001C...)
    nor bidi controls, which old data may still hold."""
    return clean_text(value)


def _address(email: str, name: str, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{ascii_address(email)}")
    cn = clean_cn(name)
    if cn:
        address.params["CN"] = cn
    for key, value in params.items():
        address.params[key] = value
    return address


def meeting_to_ical(
    event: EventData, attendee: AttendeeData, *, method: Method, whole_meeting: bool = True
) -> bytes:
    """The iCalendar object (UTF-8, CRLF, folded) of one invitation email.

    REQUEST: the full event, for an invitation or an update. CANCEL with whole_meeting: the
    meeting is cancelled (STATUS:CANCELLED). CANCEL without whole_meeting: the recipient alone is
    taken off the list; the event itself stands, so no STATUS is written (RFC 5546, 3.2.5).
    """
    return CalendarTemplate(event, method=method, whole_meeting=whole_meeting).render(attendee)


# The only properties that differ between the emails of one batch: the recipient, and the
# DESCRIPTION that carries their personal answer link.
_PER_RECIPIENT = ("ATTENDEE", "DESCRIPTION")


class CalendarTemplate:
    """One meeting's calendar object for a batch of emails, serialised once but for the recipient's lines.

    Building and serialising the whole object (VTIMEZONE included) per invitee cost most of a
    convocation of hundreds; render() writes only the ATTENDEE and DESCRIPTION lines, with the
    same icalendar code and in the same place as a full serialisation, so the bytes are identical.
    `event.rsvp_url` is the default answer link; render() takes each recipient's own.
    """

    def __init__(self, event: EventData, *, method: Method, whole_meeting: bool = True) -> None:
        method = Method(method)
        if method is Method.REPLY:
            raise ValueError("the service never writes a REPLY")
        if method is Method.REQUEST and event.status is EventStatus.CANCELLED:
            raise ValueError("a cancelled meeting is announced with METHOD:CANCEL")
        self.event = event
        self.method = method

        calendar = Calendar()
        calendar.add("prodid", event.prodid)
        calendar.add("version", "2.0")
        calendar.add("method", method.value)
        calendar.add_component(paris_vtimezone(event.starts_at, event.ends_at))

        vevent = Event()
        vevent.add("uid", event.uid)
        vevent.add("dtstamp", event.dtstamp.astimezone(UTC))
        vevent.add("sequence", event.sequence)
        vevent.add("dtstart", _unambiguous(event.starts_at))
        vevent.add("dtend", _unambiguous(event.ends_at))
        vevent.add("summary", ical_text(event.summary))
        vevent.add("location", ical_text(event.location).strip() or NO_LOCATION)
        # Placeholders, so that the recipient's lines find their place in icalendar's order.
        vevent.add("description", "")
        if method is Method.REQUEST:
            vevent.add("status", event.status.value)
        elif whole_meeting:
            vevent.add("status", EventStatus.CANCELLED.value)
        vevent.add("transp", "OPAQUE")
        vevent.add("organizer", _address(event.organiser_email, event.organiser_name))
        vevent.add("attendee", _address(event.organiser_email, ""))
        calendar.add_component(vevent)

        # The serialised lines, cut where a recipient's line goes: chunks[i] comes before slots[i].
        self._chunks: list[bytes] = []
        self._slots: list[str] = []
        current: list[bytes] = []
        for name, value in calendar.property_items():
            if name in _PER_RECIPIENT:
                self._chunks.append(b"".join(current))
                self._slots.append(name)
                current = []
            else:
                current.append(calendar.content_line(name, value).to_ical() + b"\r\n")
        self._chunks.append(b"".join(current))

    def render(self, attendee: AttendeeData, rsvp_url: str | None = None) -> bytes:
        """The object for one recipient (UTF-8, CRLF, folded); rsvp_url defaults to the event's."""
        if ascii_address(attendee.email).lower() == ascii_address(self.event.organiser_email).lower():
            # Clients would take the invitee for the organiser and show no Accept / Decline buttons.
            raise UnwritableAddress(
                f"L'adresse {attendee.email} est celle de l'organisateur (ORGANIZER) des invitations : "
                "un agenda ne peut pas être à la fois organisateur et invité. Donnez à cette personne "
                "une autre adresse électronique."
            )
        vevent = Event()
        url = self.event.rsvp_url if rsvp_url is None else rsvp_url
        vevent.add("description", ical_text(_description(self.event, self.method, url)))
        vevent.add(
            "attendee",
            _address(
                attendee.email,
                attendee.name,
                CUTYPE="INDIVIDUAL",
                ROLE="REQ-PARTICIPANT",
                PARTSTAT=PartStat(attendee.partstat).value,
                RSVP="TRUE",
            ),
        )
        parts = [self._chunks[0]]
        for name, chunk in zip(self._slots, self._chunks[1:], strict=True):
            parts.append(vevent.content_line(name, vevent[name]).to_ical() + b"\r\n")
            parts.append(chunk)
        return b"".join(parts)


def _unambiguous(value: datetime) -> datetime:
    """Paris time, or UTC (written with Z) when that Paris time occurs twice (the hour repeated in October).

    A TZID time in the repeated hour is read as its first occurrence by some parsers (libical, ical.js)
    and as its second by others (vobject): only UTC names one instant for all of them.
    """
    local = value.astimezone(PARIS)
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        return value.astimezone(UTC)
    return local


def _description(event: EventData, method: Method, rsvp_url: str) -> str:
    if method is Method.REQUEST and rsvp_url:
        return f"{event.description.rstrip()}\n\nRépondre à l'invitation : {rsvp_url}".lstrip()
    return event.description


def event_from_meeting(
    meeting: MeetingLike,
    *,
    host: str,
    organiser_name: str,
    organiser_email: str,
    rsvp_url: str,
    dtstamp: datetime,
) -> EventData:
    """The EventData of a meeting as it stands, for one email."""
    commune = meeting.location_commune.name if meeting.location_commune is not None else ""
    return EventData(
        uid=meeting_uid(meeting.id, host),
        sequence=meeting.sequence,
        summary=meeting.title,
        description=meeting_description(meeting),
        location=location_text(meeting.location_name, meeting.location_address, commune),
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        dtstamp=dtstamp,
        organiser_name=organiser_name,
        organiser_email=organiser_email,
        # MeetingStatus.ANNULEE; compared by value to keep this module free of the models.
        status=EventStatus.CANCELLED if str(meeting.status) == "annulee" else EventStatus.CONFIRMED,
        rsvp_url=rsvp_url,
    )


def location_text(name: str, address: str, commune: str) -> str:
    """ "Salle des fêtes, 2 place de la Mairie, Marvejols", without empty or repeated parts."""
    parts = [part.strip() for part in (name, address) if part.strip()]
    if commune.strip() and commune.strip().lower() not in " ".join(parts).lower():
        parts.append(commune.strip())
    return ", ".join(parts)


def meeting_description(meeting: MeetingLike) -> str:
    """Plain-text DESCRIPTION: kind of meeting and agenda (the RSVP link is added per recipient)."""
    lines = [meeting.kind.label]
    items = [item.title.strip() for item in meeting.agenda_items if item.title.strip()]
    if items:
        lines += ["", "Ordre du jour :"] + [f"- {title}" for title in items]
    return "\n".join(lines)
