"""The organisers' follow-up page and reminder opt-outs."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from concertation.accounts.models import User, UserRole
from concertation.extensions import db
from concertation.followup.models import ReminderKind, ReminderOptOut
from tests import factories as f
from tests.conftest import csrf_token


def test_page_lists_jobs_and_needs_an_organiser(
    app: Flask, client: FlaskClient, login: Callable[..., User]
) -> None:
    login(UserRole.LECTEUR)
    assert client.get("/suivi/").status_code == 403


def test_turn_off_then_on_a_reminder_for_a_meeting(
    app: Flask, client: FlaskClient, lozere: None, login: Callable[..., User]
) -> None:
    meeting = f.meeting("concertation", siren="244800470")
    db.session.commit()
    login()
    page = client.get("/suivi/")
    assert page.status_code == 200 and "drain_outbox" in page.get_data(as_text=True)
    url = f"/suivi/desactiver?reunion={meeting.id}"
    token = csrf_token(client, url)
    response = client.post(
        "/suivi/desactiver",
        data={"csrf_token": token, "kind": ReminderKind.UNANSWERED.value, "target": f"reunion-{meeting.id}"},
    )
    assert response.status_code == 303
    item = db.session.scalar(select(ReminderOptOut))
    assert item is not None and item.meeting_id == meeting.id
    # A contract kind cannot be turned off on a meeting; nothing is written.
    bad = client.post(
        "/suivi/desactiver",
        data={
            "csrf_token": token,
            "kind": ReminderKind.CONTRACT_ENDING.value,
            "target": f"reunion-{meeting.id}",
        },
    )
    assert bad.status_code == 422
    assert len(db.session.scalars(select(ReminderOptOut)).all()) == 1
    listing = client.get("/suivi/").get_data(as_text=True)
    assert "Relance des invités sans réponse" in listing
    removed = client.post(f"/suivi/desactivations/{item.id}/supprimer", data={"csrf_token": token})
    assert removed.status_code == 303
    assert db.session.scalar(select(ReminderOptOut)) is None
