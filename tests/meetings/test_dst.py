"""The days the clocks change in Paris: a time that does not exist, a time that occurs twice."""

from __future__ import annotations

import email
import email.policy
import html
import re
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import vobject
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from concertation.accounts.models import User
from concertation.extensions import db
from concertation.invitations import services as invitation_services
from concertation.meetings.exceptions import InvalidMeeting
from concertation.meetings.models import Meeting
from concertation.meetings.services import MeetingInput, create_meeting
from concertation.notifications.emails import MailContext
from concertation.notifications.models import OutboxMessage
from tests.common import db as f
from tests.common.http import csrf_token
from tests.common.ical import NO_LIBICAL, libical_available

GEVAUDAN = "244800470"
# 02:30 on 2027-03-28 is skipped (02:00 -> 03:00); 02:30 on 2027-10-31 happens twice (03:00 -> 02:00).
SPRING, AUTUMN = "2027-03-28", "2027-10-31"
NOW = datetime(2026, 12, 1, tzinfo=UTC)

LIBICAL_INSTANT = r"""
import sys
import gi
gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib
calendar = ICalGLib.Component.new_from_string(sys.stdin.read())
event = calendar.get_first_component(ICalGLib.ComponentKind.VEVENT_COMPONENT)
start = event.get_dtstart()
tzid = start.get_tzid()
zone = calendar.get_timezone(tzid) if tzid else None
print(start.as_timet() if start.is_utc() else start.as_timet_with_zone(zone))
"""


def _input(day: str, start: str, end: str) -> MeetingInput:
    return MeetingInput(
        kind="concertation",
        title="Concertation de nuit",
        starts_at=datetime.fromisoformat(f"{day}T{start}"),
        ends_at=datetime.fromisoformat(f"{day}T{end}"),
        purpose="diagnostic",
        intercommunality_siren=GEVAUDAN,
    )


def _form(client: FlaskClient, url: str, day: str, start: str, end: str) -> dict[str, str]:
    return {
        "csrf_token": csrf_token(client, url),
        "kind": "concertation",
        "intercommunality": GEVAUDAN,
        "title": "Concertation de nuit",
        "purpose": "diagnostic",
        "day": day,
        "start_time": start,
        "end_time": end,
        "agenda": "Accueil",
    }


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Meeting)) or 0


def test_service_refuses_a_time_skipped_in_spring(lozere: None) -> None:
    with pytest.raises(InvalidMeeting) as raised:
        create_meeting(_input(SPRING, "02:30", "04:00"), None, now=NOW)
    assert raised.value.errors["starts_at"].startswith(
        "Heure de début : 2 h 30 n'existe pas le 28/03/2027 à Paris"
    )
    with pytest.raises(InvalidMeeting) as raised:
        create_meeting(_input(SPRING, "01:00", "02:15"), None, now=NOW)
    assert raised.value.errors["ends_at"].startswith("Heure de fin : 2 h 15 n'existe pas le 28/03/2027")
    # 03:00 exists: the clocks jump to it.
    meeting = create_meeting(_input(SPRING, "03:00", "04:00"), None, now=NOW)
    assert meeting.starts_at == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)


def test_form_refuses_a_skipped_time_on_create_and_edit(
    client: FlaskClient, lozere: None, login: Callable[..., User]
) -> None:
    login()
    response = client.post(
        "/reunions/nouvelle", data=_form(client, "/reunions/nouvelle", SPRING, "02:30", "04:00")
    )
    assert response.status_code == 422
    assert "2 h 30 n'existe pas le 28/03/2027 à Paris" in html.unescape(response.get_data(as_text=True))
    assert _count() == 0

    meeting = f.meeting("concertation", siren=GEVAUDAN, starts_at=f.paris(2027, 3, 26, 14))
    db.session.commit()
    url = f"/reunions/{meeting.id}/modifier"
    response = client.post(url, data=_form(client, url, SPRING, "02:30", "04:00"))
    assert response.status_code == 422
    assert "n'existe pas" in html.unescape(response.get_data(as_text=True))
    db.session.refresh(meeting)
    assert meeting.starts_at == f.paris(2027, 3, 26, 14)


def test_api_refuses_a_skipped_time_on_create_and_patch(
    client: FlaskClient, lozere: None, api_token: Callable[..., str]
) -> None:
    headers = {"Authorization": f"Bearer {api_token()}"}
    body = {
        "kind": "concertation",
        "title": "Concertation de nuit",
        "purpose": "diagnostic",
        "scope": {"intercommunality": GEVAUDAN},
        "starts_at": f"{SPRING}T02:30:00",
        "ends_at": f"{SPRING}T04:00:00",
    }
    response = client.post("/api/v1/meetings", json=body, headers=headers)
    assert response.status_code == 422, response.get_json()
    assert "n'existe pas" in response.get_json()["errors"]["json"]["starts_at"][0]
    assert _count() == 0

    created = client.post(
        "/api/v1/meetings",
        json={**body, "starts_at": f"{SPRING}T10:00:00", "ends_at": f"{SPRING}T12:00:00"},
        headers=headers,
    )
    assert created.status_code == 201, created.get_json()
    meeting_id = created.get_json()["id"]
    patched = client.patch(
        f"/api/v1/meetings/{meeting_id}", json={"starts_at": f"{SPRING}T02:30:00"}, headers=headers
    )
    assert patched.status_code == 422
    assert "n'existe pas" in patched.get_json()["errors"]["json"]["starts_at"][0]

    # A time that occurs twice is the first one, and the answer says so.
    twice = client.patch(
        f"/api/v1/meetings/{meeting_id}",
        json={"starts_at": f"{AUTUMN}T02:30:00", "ends_at": f"{AUTUMN}T04:00:00"},
        headers=headers,
    )
    assert twice.status_code == 200, twice.get_json()
    assert twice.get_json()["starts_at"] == "2027-10-31T00:30:00+00:00"
    assert any("existe deux fois" in note for note in twice.get_json()["notices"])


def _calendar_of_first_email(meeting: Meeting) -> bytes:
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.meeting_id == meeting.id)).first()
    assert message is not None
    parsed = email.message_from_bytes(message.raw, policy=email.policy.default)
    for part in parsed.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload
    raise AssertionError("no calendar")


def _libical_instant(data: bytes) -> datetime:
    result = subprocess.run(
        ["/usr/bin/python3", "-c", LIBICAL_INSTANT],
        input=data.decode(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return datetime.fromtimestamp(int(result.stdout.strip()), UTC)


def test_a_time_that_occurs_twice_is_the_first_and_every_parser_reads_the_same_instant(
    app: Flask, client: FlaskClient, lozere: None, login: Callable[..., User]
) -> None:
    f.gevaudan_elus()
    login()
    response = client.post(
        "/reunions/nouvelle", data=_form(client, "/reunions/nouvelle", AUTUMN, "02:30", "04:00")
    )
    assert response.status_code == 303
    page = html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "2 h 30 existe deux fois le 31/10/2027" in page and "la première, en heure d'été (UTC+2)" in page
    meeting = db.session.scalars(select(Meeting)).one()
    first = datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # 02:30 CEST
    assert meeting.starts_at == first

    invitation_services.convoke(meeting, MailContext.from_config(app.config))
    db.session.commit()
    data = _calendar_of_first_email(meeting)
    assert re.search(rb"\r\nDTSTART:20271031T003000Z\r\n", data), data
    event = vobject.readOne(data.decode()).vevent
    assert event.dtstart.value == first
    assert event.dtend.value.astimezone(UTC) == datetime(2027, 10, 31, 3, 0, tzinfo=UTC)
    if not libical_available():
        pytest.skip(NO_LIBICAL)
    assert _libical_instant(data) == first


def test_a_meeting_on_the_spring_day_keeps_its_paris_time_in_the_calendar(app: Flask, lozere: None) -> None:
    """Away from the repeated hour, the calendar keeps TZID=Europe/Paris, read alike by every parser."""
    f.gevaudan_elus()
    meeting = create_meeting(_input(SPRING, "10:00", "12:00"), None, now=NOW)
    db.session.commit()
    invitation_services.convoke(meeting, MailContext.from_config(app.config))
    db.session.commit()
    data = _calendar_of_first_email(meeting)
    assert b"DTSTART;TZID=Europe/Paris:20270328T100000" in data
    assert vobject.readOne(data.decode()).vevent.dtstart.value.astimezone(UTC) == meeting.starts_at
    if libical_available():
        assert _libical_instant(data) == meeting.starts_at
