"""Decision and action pages: link to the contract, a priority decision through the form, undo, actions."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from concertation.accounts.models import User, UserRole
from concertation.contracts.enums import ContractStage
from concertation.contracts.history import timeline
from concertation.contracts.models import ProjectSheet
from concertation.extensions import db
from concertation.minutes.enums import ActionStatus
from concertation.minutes.models import ActionItem, Decision
from tests.common import db as f
from tests.common.db.contracts import COEUR_DE_LOZERE, contract_at, new_contract, new_project
from tests.common.db.minutes import past_meeting
from tests.common.http import csrf_token

pytestmark = pytest.mark.usefixtures("lozere")
Login = Callable[..., User]


def test_priority_decision_through_the_pages(app: Flask, client: FlaskClient, login: Login) -> None:
    f.gevaudan_elus()
    meeting = past_meeting(title="Concertation du Gévaudan")
    contract = contract_at(ContractStage.PROPOSITIONS)
    new_project(contract)
    new_contract(COEUR_DE_LOZERE)  # another CC's contract: not offered
    db.session.commit()
    project = contract.projects[0]
    login(UserRole.ORGANISATEUR)
    url = f"/reunions/{meeting.id}/decisions"
    page = client.get(url).get_data(as_text=True)
    assert contract.title in page and "Coeur" not in page
    token = csrf_token(client, url)
    decision = {
        "csrf_token": token,
        "kind": "priorite_projet",
        "agenda_item_id": str(meeting.agenda_items[1].id),
        "project_id": str(project.id),
        "priority": "3",
    }
    response = client.post(url, data=decision)
    assert response.status_code == 422
    assert "Reliez d'abord la réunion" in html.unescape(response.get_data(as_text=True))

    assert (
        client.post(
            f"/reunions/{meeting.id}/contrat", data={"csrf_token": token, "contract_id": "999"}
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/reunions/{meeting.id}/contrat", data={"csrf_token": token, "contract_id": str(contract.id)}
        ).status_code
        == 303
    )
    db.session.expire_all()
    assert meeting.contract_id == contract.id

    response = client.post(url, data={**decision, "priority": "1"})
    assert response.status_code == 422
    assert "a déjà la priorité 1" in response.get_data(as_text=True)
    assert db.session.scalars(select(Decision)).all() == []

    assert client.post(url, data=decision).status_code == 303
    db.session.expire_all()
    assert db.session.get(ProjectSheet, project.id).priority == 3  # type: ignore[union-attr]
    event = timeline(contract.id)[0]
    assert event.meeting_id == meeting.id
    chronology = client.get(f"/contrats/{contract.id}/chronologie").get_data(as_text=True)
    assert "Concertation du Gévaudan" in chronology and "priorité 1 → 3" in chronology

    saved = db.session.scalars(select(Decision)).one()
    response = client.post(f"{url}/{saved.id}/annulation", data={"csrf_token": token})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(ProjectSheet, project.id).priority == 1  # type: ignore[union-attr]
    assert "(annulée)" in client.get(f"/contrats/{contract.id}/chronologie").get_data(as_text=True)


def test_action_items(app: Flask, client: FlaskClient, login: Login) -> None:
    elus = f.gevaudan_elus()
    meeting = past_meeting()
    login(UserRole.ORGANISATEUR)
    url = f"/reunions/{meeting.id}/decisions"
    token = csrf_token(client, url)
    bad = client.post(
        f"/reunions/{meeting.id}/actions",
        data={"csrf_token": token, "title": "Relancer", "due_on": "2026-11-20"},
    )
    assert bad.status_code == 422
    assert "Indiquez le responsable" in bad.get_data(as_text=True)
    both = {
        "csrf_token": token,
        "title": "Relancer",
        "due_on": "2026-11-20",
        "owner_person_id": str(elus[0].id),
        "owner_service": "DATE",
    }
    assert client.post(f"/reunions/{meeting.id}/actions", data=both).status_code == 422
    assert db.session.scalars(select(ActionItem)).all() == []
    ok = {**both, "owner_service": "", "title": "Transmettre la délibération"}
    assert client.post(f"/reunions/{meeting.id}/actions", data=ok).status_code == 303
    service = {**both, "owner_person_id": "", "title": "Pré-instruire la fiche"}
    assert client.post(f"/reunions/{meeting.id}/actions", data=service).status_code == 303
    items = db.session.scalars(select(ActionItem).order_by(ActionItem.id)).all()
    assert [i.owner_label for i in items] == [elus[0].display_name, "DATE"]
    assert items[0].due_on == date(2026, 11, 20) and items[0].status == ActionStatus.A_FAIRE
    response = client.post(
        f"/reunions/{meeting.id}/actions/{items[0].id}/statut", data={"csrf_token": token, "status": "faite"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert items[0].status == ActionStatus.FAITE and items[0].done_on is not None


def test_reader_cannot_write_decisions(app: Flask, client: FlaskClient, login: Login) -> None:
    meeting = past_meeting()
    login(UserRole.LECTEUR)
    url = f"/reunions/{meeting.id}/decisions"
    page = client.get(url)
    assert page.status_code == 200 and "Enregistrer la décision" not in page.get_data(as_text=True)
    token = csrf_token(client, "/reunions/")
    for target in (
        url,
        f"/reunions/{meeting.id}/contrat",
        f"/reunions/{meeting.id}/actions",
        f"{url}/1/annulation",
    ):
        assert (
            client.post(target, data={"csrf_token": token, "kind": "autre", "text": "x"}).status_code == 403
        )
    assert db.session.scalars(select(Decision)).all() == []


def test_decisions_page_renders_once_actions_exist(app: Flask, client: FlaskClient, login: Login) -> None:
    """Issue 12, item 2: the page was a 500 as soon as one action existed (choices unpacked as pairs)."""
    elus = f.gevaudan_elus()
    meeting = past_meeting()
    login(UserRole.ORGANISATEUR)
    url = f"/reunions/{meeting.id}/decisions"
    token = csrf_token(client, url)
    added = client.post(
        f"/reunions/{meeting.id}/actions",
        data={
            "csrf_token": token,
            "title": "Transmettre la délibération",
            "due_on": "2026-11-20",
            "owner_person_id": str(elus[0].id),
        },
        follow_redirects=True,
    )
    assert added.status_code == 200
    assert "Transmettre la délibération" in added.get_data(as_text=True)
    item = db.session.scalars(select(ActionItem)).one()
    for status in ActionStatus:
        changed = client.post(
            f"/reunions/{meeting.id}/actions/{item.id}/statut",
            data={"csrf_token": token, "status": status.value},
            follow_redirects=True,
        )
        assert changed.status_code == 200
        reloaded = client.get(url)
        assert reloaded.status_code == 200
        page = reloaded.get_data(as_text=True)
        assert f'<option value="{status.value}" selected>{status.label}</option>' in page
    assert client.post("/deconnexion", data={"csrf_token": token}).status_code in (302, 303)
    login(UserRole.LECTEUR)
    page = client.get(url)
    assert page.status_code == 200 and ActionStatus.ABANDONNEE.label in page.get_data(as_text=True)
