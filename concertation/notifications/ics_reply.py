"""Reading the iTIP REPLY that a calendar client sends back when an invitee answers from their calendar."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from email.message import Message

from icalendar import Calendar, vCalAddress

from concertation.notifications.addresses import readable_address
from concertation.notifications.ics_fast import read_plain_reply
from concertation.notifications.ics_types import (
    InvalidReply,
    Method,
    PartStat,
    ReplyData,
)


def parse_reply(data: bytes) -> ReplyData:
    """Read an iTIP REPLY from a calendar client (Outlook, Thunderbird, Apple, Gmail).

    Unknown properties (X-MICROSOFT-*, X-MS-OLK-*, ...) are ignored. The attendee's address is
    lower-cased for case-insensitive matching; a missing SEQUENCE means 0 (RFC 5545, 3.8.7.4).
    The plain form that clients write is read directly (ics_fast.py), any other by icalendar.
    """
    return read_plain_reply(data) or parse_reply_with_icalendar(data)


def parse_reply_with_icalendar(data: bytes) -> ReplyData:
    """`parse_reply` through icalendar's parser alone: every form, and the French error of each refusal."""
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
    if isinstance(stamp, list):
        raise InvalidReply("La date de la réponse (DTSTAMP) y figure plusieurs fois.")
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


def calendar_parts(message: Message) -> Iterator[bytes]:
    """The decoded text/calendar or .ics parts of an email (clients put a REPLY in one or the other)."""
    for part in message.walk():
        is_ics = (part.get_filename() or "").lower().endswith(".ics")
        if part.get_content_type() not in ("text/calendar", "application/ics") and not is_ics:
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            yield payload
