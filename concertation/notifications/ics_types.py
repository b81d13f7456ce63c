"""The iCalendar (iTIP) vocabulary: methods, statuses, the data of an event, an attendee and a reply,
and the Protocols through which notifications knows a meeting without importing the meetings package."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from concertation.notifications.addresses import ascii_address

_ADDRESS = re.compile(r"^[^@\s:;,<>\"]+@[^@\s:;,<>\"]+$")


def _check_address(email: str) -> None:
    # The address ends up after "mailto:" in a content line: a space or a CR would break the object.
    if not _ADDRESS.match(email):
        raise ValueError(f"not a usable email address: {email!r}")
    # Written in ASCII (IDNA domain), as in the email's headers; UnwritableAddress says why not.
    ascii_address(email)


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
    organiser_name: str
    organiser_email: str
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
        _check_address(self.organiser_email)


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


class _Labelled(Protocol):
    """A member of a vocabulary with its French label (a core.labels.LabelledEnum)."""

    @property
    def label(self) -> str: ...


class MeetingLike(Protocol):
    """What event_from_meeting reads from concertation.meetings.models.Meeting."""

    @property
    def id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def kind(self) -> _Labelled: ...
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
    def calendar_uid_domain(self) -> str: ...
    @property
    def status(self) -> str: ...
