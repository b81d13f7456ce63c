"""iCalendar (iTIP) objects for meeting invitations: pure functions, no Flask, no database.

What each property must be and why is in shared/ICAL.md (points 9-22); the tests check each point
with independent parsers. One object is built per recipient: only that recipient is listed as
ATTENDEE, so an invitation never leaks the other invitees' addresses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from icalendar import Calendar, Event, Timezone, vCalAddress

from concertation.core.text import clean_line, clean_text
from concertation.core.timeutils import PARIS
from concertation.notifications.addresses import UnwritableAddress, ascii_address, readable_address

PRODID = "-//Departement de la Lozere//Concertation//FR"
TZID = "Europe/Paris"
# Written when a meeting has no place yet: an update without LOCATION would leave the old place
# in the élus' calendars.
NO_LOCATION = "Lieu à préciser"


class Method(StrEnum):
    """iTIP methods the service writes (REQUEST, CANCEL) or reads (REPLY)."""

    REQUEST = "REQUEST"
    CANCEL = "CANCEL"
    REPLY = "REPLY"


class EventStatus(StrEnum):
    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"


class PartStat(StrEnum):
    """Participation status of an attendee (RFC 5545, 3.2.12, for VEVENT)."""

    NEEDS_ACTION = "NEEDS-ACTION"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    TENTATIVE = "TENTATIVE"
    DELEGATED = "DELEGATED"


@dataclass(frozen=True)
class EventData:
    """Everything a calendar object says about one meeting, for one email."""

    uid: str
    sequence: int
    summary: str
    description: str
    location: str
    starts_at: datetime
    ends_at: datetime
    # New for every email (RFC 5546: the DTSTAMP of the message, not of the meeting).
    dtstamp: datetime
    organizer_name: str
    organizer_email: str
    status: EventStatus = EventStatus.CONFIRMED
    rsvp_url: str = ""
    prodid: str = PRODID

    def __post_init__(self) -> None:
        for name in ("starts_at", "ends_at", "dtstamp"):
            value: datetime = getattr(self, name)
            if value.tzinfo is None or value.utcoffset() is None:
                # A naive time would be written "floating", which each client reads in its own zone.
                raise ValueError(f"{name} must be an aware datetime, got {value!r}")
        if self.ends_at <= self.starts_at:
            raise ValueError("DTEND must be after DTSTART")
        if self.sequence < 0:
            raise ValueError("SEQUENCE cannot be negative")
        if not self.uid.strip():
            raise ValueError("a UID is required: clients match updates and cancellations on it")
        _check_address(self.organizer_email)


@dataclass(frozen=True)
class AttendeeData:
    """The one recipient of the email, listed as the only ATTENDEE."""

    name: str
    email: str
    partstat: PartStat = PartStat.NEEDS_ACTION

    def __post_init__(self) -> None:
        _check_address(self.email)


@dataclass(frozen=True)
class ReplyData:
    """What a calendar client answered (iTIP REPLY)."""

    uid: str
    sequence: int
    attendee_email: str
    partstat: PartStat
    attendee_name: str = ""
    comment: str = ""
    dtstamp: datetime | None = None


class InvalidReply(ValueError):
    """A file received as an answer is not a usable iTIP REPLY; the message is French, for the organiser."""


class _Named(Protocol):
    @property
    def name(self) -> str: ...


class _Titled(Protocol):
    @property
    def title(self) -> str: ...


class MeetingLike(Protocol):
    """What event_from_meeting reads from concertation.meetings.models.Meeting."""

    @property
    def id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def kind_label(self) -> str: ...
    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_at(self) -> datetime: ...
    @property
    def location_name(self) -> str: ...
    @property
    def location_address(self) -> str: ...
    @property
    def location_commune(self) -> _Named | None: ...
    @property
    def agenda_items(self) -> Sequence[_Titled]: ...
    @property
    def sequence(self) -> int: ...
    @property
    def status(self) -> str: ...


_ADDRESS = re.compile(r"^[^@\s:;,<>\"]+@[^@\s:;,<>\"]+$")


def _check_address(email: str) -> None:
    # The address ends up after "mailto:" in a content line: a space or a CR would break the object.
    if not _ADDRESS.match(email):
        raise ValueError(f"not a usable email address: {email!r}")
    # Written in ASCII (IDNA domain), as in the email's headers; UnwritableAddress says why not.
    ascii_address(email)


def meeting_uid(meeting_id: int, host: str) -> str:
    """The UID of a meeting's calendar event; it never changes, whatever happens to the meeting."""
    return f"meeting-{meeting_id}@{host}"


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


# Europe/Paris as Outlook, Google and Thunderbird write it: yearly RRULEs. Outlook desktop misreads
# the RDATE lists that icalendar generates from the tz database (iCalcreator#86, biweekly#76).
_PARIS_VTIMEZONE = "\r\n".join(
    [
        "BEGIN:VTIMEZONE",
        f"TZID:{TZID}",
        "BEGIN:DAYLIGHT",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "TZNAME:CEST",
        "DTSTART:19700329T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "TZNAME:CET",
        "DTSTART:19701025T030000",
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        "END:STANDARD",
        "END:VTIMEZONE",
        "",
    ]
)


def _last_sunday_1am_utc(year: int, month: int) -> datetime:
    # EU summer time starts and ends at 01:00 UTC on the last Sunday of March and October.
    day = datetime(year, month + 1, 1, 1, tzinfo=UTC) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def rule_offset(value: datetime) -> timedelta:
    """UTC offset that _PARIS_VTIMEZONE's rules give at an instant."""
    instant = value.astimezone(UTC)
    summer = _last_sunday_1am_utc(instant.year, 3) <= instant < _last_sunday_1am_utc(instant.year, 10)
    return timedelta(hours=2 if summer else 1)


def paris_vtimezone(starts_at: datetime, ends_at: datetime) -> Timezone:
    """The VTIMEZONE of an event in Europe/Paris.

    The RRULE form when its rules agree with the tz database at both ends of the event; else
    (should France stop changing clocks) the one icalendar generates from the tz database,
    which is always right if less well read by Outlook.
    """
    if all(rule_offset(moment) == moment.astimezone(PARIS).utcoffset() for moment in (starts_at, ends_at)):
        component = Timezone.from_ical(_PARIS_VTIMEZONE)
        if isinstance(component, Timezone):
            return component
    first = date(starts_at.astimezone(PARIS).year, 1, 1)
    last = date(ends_at.astimezone(PARIS).year + 1, 1, 1)
    timezone = Timezone.from_tzid(TZID, first_date=first, last_date=last)
    # icalendar notes its window in a COMMENT, which RFC 5545 does not list in VTIMEZONE.
    timezone.pop("COMMENT", None)
    return timezone


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
        vevent.add("organizer", _address(event.organizer_email, event.organizer_name))
        vevent.add("attendee", _address(event.organizer_email, ""))
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
        if ascii_address(attendee.email).lower() == ascii_address(self.event.organizer_email).lower():
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
    organizer_name: str,
    organizer_email: str,
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
        organizer_name=organizer_name,
        organizer_email=organizer_email,
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
    lines = [meeting.kind_label]
    items = [item.title.strip() for item in meeting.agenda_items if item.title.strip()]
    if items:
        lines += ["", "Ordre du jour :"] + [f"- {title}" for title in items]
    return "\n".join(lines)


def parse_reply(data: bytes) -> ReplyData:
    """Read an iTIP REPLY from a calendar client (Outlook, Thunderbird, Apple, Gmail).

    Unknown properties (X-MICROSOFT-*, X-MS-OLK-*, ...) are ignored. The attendee's address is
    lower-cased for case-insensitive matching; a missing SEQUENCE means 0 (RFC 5545, 3.8.7.4).
    """
    try:
        calendar = Calendar.from_ical(data.decode("utf-8-sig", errors="replace"))
    except ValueError as error:
        raise InvalidReply("Le fichier reçu n'est pas un objet iCalendar lisible.") from error
    method = str(calendar.get("METHOD", "")).strip().upper()
    if method != Method.REPLY:
        raise InvalidReply(
            f"Le fichier reçu n'est pas une réponse à une invitation (METHOD:{method or 'absent'})."
        )
    events = calendar.walk("VEVENT")
    if not events:
        raise InvalidReply("La réponse ne contient aucun événement.")
    vevent = events[0]
    uid = str(vevent.get("UID", "")).strip()
    if not uid:
        raise InvalidReply("La réponse ne précise pas l'identifiant (UID) de la réunion.")
    attendees = vevent.get("ATTENDEE")
    if attendees is None:
        raise InvalidReply("La réponse ne contient aucun participant (ATTENDEE).")
    if isinstance(attendees, list):
        if len(attendees) != 1:
            raise InvalidReply("La réponse doit contenir un seul participant (ATTENDEE).")
        attendees = attendees[0]
    attendee: vCalAddress = attendees
    email = str(attendee)
    if email.lower().startswith("mailto:"):
        email = email[len("mailto:") :]
    # Matched with the address as stored, whose domain is in letters (clients may send "xn--").
    email = readable_address(email.strip().lower())
    if "@" not in email:
        raise InvalidReply("L'adresse du participant de la réponse est illisible.")
    raw_partstat = str(attendee.params.get("PARTSTAT", "")).strip().upper()
    try:
        partstat = PartStat(raw_partstat)
    except ValueError as error:
        raise InvalidReply(f"Réponse inconnue dans le fichier reçu : {raw_partstat or 'absente'}.") from error
    try:
        sequence = int(vevent.get("SEQUENCE", 0))
    except (TypeError, ValueError) as error:
        raise InvalidReply("Le numéro de version (SEQUENCE) de la réponse est illisible.") from error
    stamp = vevent.get("DTSTAMP")
    dtstamp = stamp.dt if stamp is not None and isinstance(stamp.dt, datetime) else None
    return ReplyData(
        uid=uid,
        sequence=sequence,
        attendee_email=email,
        partstat=partstat,
        attendee_name=str(attendee.params.get("CN", "")),
        comment=_joined(vevent.get("COMMENT")),
        dtstamp=dtstamp,
    )


def _joined(value: object) -> str:
    # A property given several times comes back as a list.
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    return str(value)
