"""Every page of the minutes domain renders, for an organiser and a reader, with data in every state.

Issue 12 found the decisions page broken as soon as one action existed: each page is fetched here after
each step of a meeting's life (not held yet, held, attendance, decisions and their undo, actions in each
status, minutes brouillon → valide → diffusé → corrected, cancelled), and must answer without error.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from concertation.accounts.models import User, UserRole
from concertation.extensions import db
from concertation.invitations import services as invitations
from concertation.invitations.models import Answer, AnswerSource, Channel
from concertation.meetings.models import Meeting
from concertation.meetings.services import cancel_meeting
from concertation.minutes.actions import ActionInput, add_action, set_action_status
from concertation.minutes.attendance import AttendanceEntry, OtherInput, add_other, record_attendance
from concertation.minutes.decisions import DecisionInput, record_decision, undo_decision
from concertation.minutes.diffusion import diffuse
from concertation.minutes.enums import ActionStatus
from concertation.minutes.minutes import (
    SectionInput,
    add_free_section,
    ensure_minutes,
    minutes_of,
    open_correction,
    update_sections,
    validate_minutes,
)
from concertation.notifications.emails import MailContext
from tests.common import db as f
from tests.common.db.accounts import TEST_PASSWORD
from tests.common.db.minutes import convoked_then_held, mark_held, with_contract
from tests.common.http import csrf_token

pytestmark = pytest.mark.usefixtures("lozere")
Login = Callable[..., User]
EMPTY_HREF = re.compile(r'href=(""|\'\')')


def _pages(meeting: Meeting) -> list[str]:
    base = f"/reunions/{meeting.id}"
    pages = [
        f"{base}/emargement",
        f"{base}/feuille-emargement.pdf",
        f"{base}/compte-rendu",
        f"{base}/compte-rendu/modifier",
        f"{base}/decisions",
        "/statistiques/participation",
    ]
    if meeting.contract_id is not None:
        pages.append(f"/contrats/{meeting.contract_id}/chronologie")
    minutes = minutes_of(meeting)
    if minutes is not None:  # before, the PDF is a 404: there is no compte rendu to print
        pages.append(f"{base}/compte-rendu.pdf")
        pages += [f"{base}/compte-rendu/versions/{v.number}" for v in minutes.versions]
    return pages


def _check(clients: dict[str, FlaskClient], meeting: Meeting, step: str) -> None:
    for role, client in clients.items():
        for url in _pages(meeting):
            if url.endswith(".pdf") and role == "organisateur":
                continue  # the same PDF for both roles: printed once per step
            response = client.get(url)
            assert response.status_code in (200, 303, 403), (step, role, url, response.status_code)
            if url.endswith("/modifier") and role == "organisateur":
                assert response.status_code in (200, 303), (step, url)
            elif not url.endswith("/modifier"):
                assert response.status_code == 200, (step, role, url, response.status_code)
            if response.mimetype == "text/html":
                assert not EMPTY_HREF.search(response.get_data(as_text=True)), (step, role, url)


def _reader(app: Flask, make_user: Callable[..., User]) -> FlaskClient:
    reader = app.test_client()
    user = make_user(UserRole.LECTEUR)
    token = csrf_token(reader, "/connexion")
    response = reader.post(
        "/connexion", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303
    return reader


def test_every_minutes_page_renders_in_every_state(
    app: Flask, client: FlaskClient, login: Login, make_user: Callable[..., User]
) -> None:
    f.gevaudan_elus()
    login(UserRole.ORGANISATEUR)
    with app.app_context():
        reader = _reader(app, make_user)
    clients = {"organisateur": client, "lecteur": reader}
    ctx = MailContext.from_config(app.config)

    meeting = convoked_then_held(app, title="Concertation du Gévaudan")
    _check(clients, meeting, "convoquée, pas encore tenue")
    emailed = [i for i in invitations.invitations_of(meeting) if i.channel == Channel.EMAIL]
    invitations.record_answer(emailed[0], Answer.PRESENT, source=AnswerSource.LINK)
    invitations.record_answer(
        emailed[1], Answer.REPRESENTE, source=AnswerSource.LINK, represented_by="M. Adjoint"
    )
    db.session.commit()
    mark_held(meeting)
    _check(clients, meeting, "tenue, réponses seules")

    record_attendance(
        meeting,
        [
            AttendanceEntry(emailed[0].person_id, "present"),
            AttendanceEntry(emailed[1].person_id, "represente", "M. Adjoint"),
            AttendanceEntry(emailed[2].person_id, "excuse"),
        ],
    )
    add_other(meeting, OtherInput(kind="partenaire", name="Claire Roux", quality="Lozère Ingénierie"))
    contract = with_contract(meeting)
    db.session.commit()
    _check(clients, meeting, "présences")

    kept = record_decision(
        meeting,
        DecisionInput(kind="autre", agenda_item_id=meeting.agenda_items[1].id, text="Étudier la voirie"),
    )
    undone = record_decision(
        meeting,
        DecisionInput(
            kind="priorite_projet",
            agenda_item_id=meeting.agenda_items[1].id,
            project_id=contract.projects[0].id,
            priority=2,
        ),
    )
    db.session.commit()
    undo_decision(undone)
    db.session.commit()
    for status in ActionStatus:
        item = add_action(
            meeting,
            ActionInput(
                title=f"Action {status.label}",
                owner_person_id=emailed[0].person_id if status is ActionStatus.A_FAIRE else None,
                owner_service="" if status is ActionStatus.A_FAIRE else "Service des routes",
                due_on=f.paris(2026, 12, 1).date(),
                decision_id=kept.id if status is ActionStatus.FAITE else None,
            ),
        )
        if status is not ActionStatus.A_FAIRE:
            set_action_status(item, status.value)
    db.session.commit()
    _check(clients, meeting, "décisions et actions")

    minutes = ensure_minutes(meeting)
    db.session.commit()
    _check(clients, meeting, "compte rendu commencé, vide")
    update_sections(
        minutes,
        [SectionInput(section_id=minutes.sections[0].id, body="Accueil **chaleureux**.\n\n" + "[" * 3000)],
    )
    add_free_section(minutes, "Questions diverses", "Aucune.")
    db.session.commit()
    _check(clients, meeting, "brouillon")
    validate_minutes(minutes)
    db.session.commit()
    _check(clients, meeting, "validé")
    diffuse(minutes, ctx)
    db.session.commit()
    _check(clients, meeting, "diffusé")
    open_correction(minutes, "Nom du représentant")
    db.session.commit()
    _check(clients, meeting, "correction en cours")

    ahead = f.meeting(title="Plus tard")
    db.session.commit()
    _check(clients, ahead, "à venir")
    cancel_meeting(ahead)
    db.session.commit()
    _check(clients, ahead, "annulée")
