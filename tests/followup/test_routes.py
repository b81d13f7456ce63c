"""The organisers' follow-up page (jobs, actions due) and reminder opt-outs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from concertation.accounts.models import User, UserRole
from concertation.core.timeutils import now_utc, today_paris
from concertation.extensions import db
from concertation.followup.models import JobRun, ReminderKind, ReminderOptOut
from concertation.minutes.actions import ActionInput, add_action, set_action_status
from tests.common import db as f
from tests.common.db.minutes import past_meeting
from tests.common.http import csrf_token


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
    # The list of turned-off reminders names the kind and the meeting.
    assert "<li>Relance des invités sans réponse (J-7) — " in listing
    removed = client.post(f"/suivi/desactivations/{item.id}/supprimer", data={"csrf_token": token})
    assert removed.status_code == 303
    assert db.session.scalar(select(ReminderOptOut)) is None


def test_page_names_the_jobs_in_french_and_says_which_one_stopped(
    app: Flask, client: FlaskClient, login: Callable[..., User]
) -> None:
    started = now_utc() - timedelta(hours=2)
    db.session.add(JobRun(job_name="drain_outbox", started_at=started, finished_at=started, outcome="ok"))
    db.session.add(JobRun(job_name="close_meetings", started_at=now_utc(), outcome="en_cours"))
    db.session.commit()
    login()
    page = client.get("/suivi/").get_data(as_text=True)
    jobs = page[page.index('id="taches"') : page.index('id="actions-dues"')]
    for label in ("Envoi des courriels", "Rappels et relances", "Clôture des réunions passées"):
        assert label in jobs
    assert jobs.count("En retard : le planificateur ne tourne plus") == 1  # the outbox job only
    assert "En cours" in jobs and "jamais" in jobs


def test_page_lists_the_actions_due(
    app: Flask, client: FlaskClient, lozere: None, login: Callable[..., User]
) -> None:
    meeting = past_meeting()
    today = today_paris()
    for title, due_in in (("Délibérer", -3), ("Pré-instruire", 3), ("Plus tard", 30), ("Déjà faite", -1)):
        item = add_action(
            meeting, ActionInput(title=title, owner_service="DATE", due_on=today + timedelta(days=due_in))
        )
    set_action_status(item, "faite")
    db.session.commit()
    login()
    page = client.get("/suivi/").get_data(as_text=True)
    due = page[page.index('id="actions-dues"') : page.index('id="envoyes"')]
    assert due.index("Délibérer") < due.index("Pré-instruire")
    assert "Plus tard" not in due and "Déjà faite" not in due
    assert due.count("En retard") == 1
    assert f"/reunions/{meeting.id}/decisions" in due
