"""The audit trail: a scripted session, read back on the admin's page in order with nothing missing."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from concertation.accounts import audit
from concertation.accounts.audit import AuditAction, AuditEvent
from concertation.accounts.models import User, UserRole
from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.followup.jobs import job_named
from concertation.meetings.models import Meeting
from tests.common import db as f
from tests.common.db.accounts import TEST_PASSWORD
from tests.common.http import csrf_token
from tests.common.login import post_login

OFFICE = "192.0.2.20"


def _meeting_to_convoke() -> Meeting:
    f.gevaudan_elus()
    meeting = f.meeting("concertation", siren="244800470", starts_at=f.paris(2027, 3, 9, 14))
    db.session.commit()
    return meeting


def test_the_audit_page_lists_a_scripted_session_in_order(
    app: Flask, lozere: None, make_user: Callable[..., User]
) -> None:
    meeting = _meeting_to_convoke()
    admin = make_user(UserRole.ADMIN)
    db.session.execute(db.delete(AuditEvent))  # the fixture's account creation is not part of the script
    db.session.commit()
    browser = app.test_client()
    env = {"REMOTE_ADDR": OFFICE}

    assert post_login(browser, admin.email, "pas-le-bon", source=OFFICE).status_code == 401
    assert post_login(browser, admin.email, TEST_PASSWORD, source=OFFICE).status_code == 303
    token = csrf_token(browser, "/comptes")
    new = {"email": "nouvel.agent@lozere.fr", "name": "Nouvel Agent", "role": "lecteur", "password": "x" * 12}
    assert browser.post("/comptes", data={**new, "csrf_token": token}, environ_base=env).status_code == 303
    agent = db.session.scalars(select(User).where(User.email == "nouvel.agent@lozere.fr")).one()
    browser.post(
        f"/comptes/{agent.id}/role", data={"role": "organisateur", "csrf_token": token}, environ_base=env
    )
    page = browser.post("/compte/jetons", data={"name": "Script", "csrf_token": token}, environ_base=env)
    token_id = re.search(r"/compte/jetons/(\d+)/revoquer", page.get_data(as_text=True))
    assert token_id
    browser.post(f"/compte/jetons/{token_id.group(1)}/revoquer", data={"csrf_token": token}, environ_base=env)
    convoked = browser.post(f"/reunions/{meeting.id}/convoquer", data={"csrf_token": token}, environ_base=env)
    assert convoked.status_code == 303
    assert browser.get("/elus/export.csv", environ_base=env).status_code == 200
    assert browser.get(f"/reunions/{meeting.id}/invitations.csv", environ_base=env).status_code == 200
    cancel = {"confirm": "y", "csrf_token": token}
    assert browser.post(f"/reunions/{meeting.id}/annuler", data=cancel, environ_base=env).status_code == 303
    browser.post("/deconnexion", data={"csrf_token": token}, environ_base=env)

    reader = app.test_client()
    post_login(reader, admin.email, TEST_PASSWORD, source="192.0.2.99")
    page = reader.get("/journal").get_data(as_text=True)
    expected = [
        (AuditAction.LOGIN_FAILED, admin.email),
        (AuditAction.LOGIN, admin.email),
        (AuditAction.ACCOUNT_CREATED, "nouvel.agent@lozere.fr"),
        (AuditAction.ACCOUNT_CHANGED, "nouvel.agent@lozere.fr"),
        (AuditAction.TOKEN_CREATED, admin.email),
        (AuditAction.TOKEN_REVOKED, admin.email),
        (AuditAction.CONVOCATION, f"réunion n° {meeting.id} : {meeting.title}"),
        (AuditAction.EXPORT, "annuaire des élus (CSV)"),
        (AuditAction.EXPORT, f"invités et réponses de la réunion n° {meeting.id} (CSV)"),
        (AuditAction.CANCELLATION, f"réunion n° {meeting.id} : {meeting.title}"),
        (AuditAction.LOGOUT, admin.email),
        (AuditAction.LOGIN, admin.email),  # the reading of the page itself
    ]
    rows = re.findall(r'<tr data-action="([a-z_]+)">(.*?)</tr>', page, re.S)
    assert [action for action, _ in rows] == [action.value for action, _ in expected]
    for (action, target), (_, cells) in zip(expected, rows, strict=True):
        assert action.label.replace("'", "&#39;") in cells
        assert target in cells.replace("&#39;", "'")
    # Who and from where: every event of the script was done from the office by the admin.
    for _, cells in rows[:-1]:
        assert admin.email in cells and OFFICE in cells

    csv_text = reader.get("/journal.csv").get_data(as_text=True)
    assert csv_text.startswith("\ufeffDate (Paris);Action;Par;Adresse d'origine;Objet;Détail")
    assert len(csv_text.strip().splitlines()) == 1 + len(expected)
    only_exports = reader.get("/journal", query_string={"action": "export"}).get_data(as_text=True)
    assert only_exports.count('data-action="export"') == 2 and 'data-action="connexion"' not in only_exports
    by_agent = reader.get("/journal", query_string={"actor": "nouvel"}).get_data(as_text=True)
    assert "Aucun événement." in by_agent


def test_api_actions_are_recorded_with_the_token_s_owner(
    app: Flask, lozere: None, api_token: Callable[..., str]
) -> None:
    meeting = _meeting_to_convoke()
    secret = api_token(UserRole.ORGANISATEUR)
    response = app.test_client().post(
        f"/api/v1/meetings/{meeting.id}/cancel", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 200
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.CANCELLATION)).one()
    assert event.actor_email.startswith("agent") and event.source_address == "127.0.0.1"


def test_events_are_kept_a_year_then_purged_by_the_scheduler_job(app: Flask) -> None:
    old = audit.record(AuditAction.EXPORT, "ancien")
    old.occurred_at = now_utc() - timedelta(days=366)
    recent = audit.record(AuditAction.EXPORT, "récent")
    recent.occurred_at = now_utc() - timedelta(days=364)
    db.session.commit()
    job = job_named("purge_accounts")
    assert job is not None
    summary = job.work(app)
    assert summary.startswith("1 événement(s) du journal")
    assert [e.target for e in db.session.scalars(select(AuditEvent))] == ["récent"]


def test_the_audit_page_opens_without_filters_and_explains_a_bad_date_in_french(
    client: FlaskClient, login: Callable[..., User]
) -> None:
    login(UserRole.ADMIN)
    page = client.get("/journal")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "is-invalid" not in html and "Not a valid" not in html
    bad = client.get("/journal?since=2027-02-31&action=inconnue").get_data(as_text=True)
    assert "Date invalide" in bad and "Not a valid" not in bad


def test_one_menu_link_is_active_on_the_admin_pages(client: FlaskClient, login: Callable[..., User]) -> None:
    login(UserRole.ADMIN)
    for url, label in (("/journal", "Journal"), ("/comptes", "Comptes")):
        html = client.get(url).get_data(as_text=True)
        active = re.findall(r'class="nav-link active"[^>]*>([^<]+)<', html)
        assert active == [label], (url, active)
