"""Calendar feeds (subscriptions): a personal one per élu and public ones per town and per CC."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from icalendar import Calendar, Event
from itsdangerous import BadSignature, URLSafeSerializer

from concertation.notifications.ics import ical_text, location_text, meeting_description, meeting_uid
from concertation.notifications.ics_types import NO_LOCATION, PRODID, MeetingLike

FEED_SALT = "concertation.feed.v1"


def person_feed_token(secret_key: str, person_id: int) -> str:
    """A secret, stable token naming one person's feed (a signature, so nothing is stored)."""
    return URLSafeSerializer(secret_key, salt=FEED_SALT).dumps(person_id)


def person_feed_url(public_url: str, secret_key: str, person_id: int) -> str:
    """The https address of a person's feed, built on the public URL (not the request's host)."""
    return f"{public_url.rstrip('/')}/flux/personne/{person_feed_token(secret_key, person_id)}.ics"


def webcal_url(url: str) -> str:
    """The same address as webcal://, which calendar applications open as a subscription."""
    scheme, sep, rest = url.partition("://")
    return f"webcal://{rest}" if sep and scheme in ("http", "https") else url


def read_person_feed_token(secret_key: str, token: str) -> int | None:
    try:
        value = URLSafeSerializer(secret_key, salt=FEED_SALT).loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) else None


def feed_calendar(name: str, meetings: Iterable[MeetingLike], *, host: str, dtstamp: datetime) -> bytes:
    """A subscription calendar (no METHOD: it is not an invitation and expects no answer)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", ical_text(name))
    calendar.add("x-wr-timezone", "Europe/Paris")
    for meeting in meetings:
        event = Event()
        # The domain stored when the meeting was first sent; `host` for the ones sent before it was.
        event.add("uid", meeting_uid(meeting.id, meeting.calendar_uid_domain or host))
        event.add("dtstamp", dtstamp)
        event.add("dtstart", meeting.starts_at)
        event.add("dtend", meeting.ends_at)
        event.add("summary", ical_text(meeting.title))
        event.add("sequence", meeting.sequence)
        commune = meeting.location_commune.name if meeting.location_commune else ""
        location = location_text(meeting.location_name, meeting.location_address, commune)
        event.add("location", ical_text(location).strip() or NO_LOCATION)
        event.add("description", ical_text(meeting_description(meeting)))
        cancelled = str(meeting.status) == "annulee"
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()
