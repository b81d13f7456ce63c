"""Double clicks on "Convoquer": concurrent requests against a real HTTP server and database."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from concertation.accounts.models import User
from concertation.extensions import db
from concertation.invitations.models import Invitation
from concertation.meetings.models import Meeting, MeetingStatus
from concertation.notifications.models import OutboxMessage
from tests.common import db as f
from tests.common.http import csrf_token

CLICKS = 5


Result = tuple[int, str, http.client.HTTPMessage]


def _at_once(port: int, send: Callable[[http.client.HTTPConnection], None]) -> list[Result]:
    """CLICKS requests released together; each thread's (status, body, headers)."""
    barrier = threading.Barrier(CLICKS)
    results: list[Result] = []
    lock = threading.Lock()

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        barrier.wait()
        send(connection)
        response = connection.getresponse()
        with lock:
            body = response.read().decode("utf-8", "replace")
            results.append((response.status, body, response.headers))
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(CLICKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    return results


def _draft(app: Flask) -> int:
    f.gevaudan_elus()
    meeting = f.meeting("concertation", siren="244800470", starts_at=f.paris(2027, 3, 9, 14))
    db.session.commit()
    return meeting.id


def _check_convoked_once(meeting_id: int) -> None:
    db.session.remove()
    meeting = db.session.get(Meeting, meeting_id)
    assert meeting is not None and meeting.status == MeetingStatus.CONVOQUEE
    invitations = db.session.scalar(
        select(func.count()).select_from(Invitation).where(Invitation.meeting_id == meeting_id)
    )
    emails = db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.meeting_id == meeting_id)
    )
    invitees = len([i for i in meeting.invitees if i.is_current])
    assert invitations == invitees
    assert emails == invitees - 1  # one maire has no address


def test_api_double_convocation_gets_409(
    app: Flask, lozere: None, api_token: Callable[..., str], live_server: str
) -> None:
    meeting_id = _draft(app)
    token = api_token()

    def send(connection: http.client.HTTPConnection) -> None:
        connection.request(
            "POST",
            f"/api/v1/meetings/{meeting_id}/invitations",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            body="{}",
        )

    port = urlsplit(live_server).port
    results = _at_once(port, send)

    statuses = sorted(status for status, _, _ in results)
    assert statuses == [202] + [409] * (CLICKS - 1), results
    refused = [json.loads(body)["message"] for status, body, _ in results if status == 409]
    assert all("déjà convoquée" in message for message in refused), refused
    _check_convoked_once(meeting_id)


def test_page_double_click_says_already_convoked(
    app: Flask, lozere: None, client: FlaskClient, login: Callable[..., User], live_server: str
) -> None:
    meeting_id = _draft(app)
    login()
    token = csrf_token(client, f"/reunions/{meeting_id}")
    cookie = client.get_cookie("session")
    assert cookie is not None
    body = urlencode({"csrf_token": token})

    def send(connection: http.client.HTTPConnection) -> None:
        connection.request(
            "POST",
            f"/reunions/{meeting_id}/convoquer",
            headers={
                "Cookie": f"session={cookie.value}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            body=body,
        )

    port = urlsplit(live_server).port
    results = _at_once(port, send)
    assert sorted(status for status, _, _ in results) == [303] * CLICKS, results
    locations = sorted(headers["Location"] for _, _, headers in results)
    assert locations == [f"/reunions/{meeting_id}"] * (CLICKS - 1) + [f"/reunions/{meeting_id}/invitations"]
    # Each refused click's flash message, read from its own session cookie, as its browser would.
    refused = [headers for _, _, headers in results if headers["Location"] == f"/reunions/{meeting_id}"]
    for headers in refused:
        session = headers["Set-Cookie"].split(";")[0]
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", f"/reunions/{meeting_id}", headers={"Cookie": session})
        page = connection.getresponse().read().decode()
        connection.close()
        assert "déjà convoquée" in page
    _check_convoked_once(meeting_id)
