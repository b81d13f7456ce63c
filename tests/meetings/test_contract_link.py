"""The link between a meeting and the contracts it is about: a new concertation takes its CC's contract in
progress, the organiser changes or removes it (form and API), a Rendez-vous covers its sector's contracts."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from concertation.accounts.models import User, UserRole
from concertation.contracts.enums import ContractStage
from concertation.contracts.models import Contract
from concertation.extensions import db
from concertation.meetings.contracts import contracts_covered
from concertation.meetings.exceptions import InvalidMeeting
from concertation.meetings.models import Meeting
from concertation.meetings.services import MeetingInput, update_meeting
from concertation.minutes.decisions import DecisionInput, record_decision
from concertation.territory.models import Commune, Sector
from tests.common import db as f
from tests.common.db import contracts as h
from tests.common.db import minutes as minutes_factories
from tests.common.http import bearer, csrf_token

pytestmark = pytest.mark.usefixtures("lozere")
Login = Callable[..., User]
GEVAUDAN, COEUR_DE_LOZERE, MENDE = h.GEVAUDAN, h.COEUR_DE_LOZERE, h.MENDE


def _text(response: Any) -> str:
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(response.get_data(as_text=True)))


def _reloaded(meeting_id: int) -> Meeting:
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting_id)
    assert meeting is not None
    return meeting


def _input(meeting: Meeting, **changes: Any) -> MeetingInput:
    values: dict[str, Any] = {
        "kind": meeting.kind,
        "title": meeting.title,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "purpose": meeting.purpose,
        "intercommunality_siren": meeting.intercommunality.siren if meeting.intercommunality else None,
    }
    return MeetingInput(**{**values, **changes})


# Services ----------------------------------------------------------------------------------------------


def test_a_new_concertation_is_linked_to_its_cc_contract_in_progress() -> None:
    contract = h.new_contract(GEVAUDAN)
    assert f.meeting(siren=GEVAUDAN).contract is contract
    # Other kinds are linked only when asked; a CC without contract gives no link.
    assert f.meeting("autre", siren=GEVAUDAN, purpose="Visite").contract is None
    assert f.meeting(siren=COEUR_DE_LOZERE).contract is None


def test_a_closed_contract_gives_way_to_the_next_one() -> None:
    closed = h.new_contract(GEVAUDAN)
    closed.stage = ContractStage.CLOS
    later = h.new_contract(GEVAUDAN, starts_on=date(2029, 1, 1))
    assert f.meeting(siren=GEVAUDAN).contract is later
    later.stage = ContractStage.CLOS
    assert f.meeting(siren=GEVAUDAN, title="Sans contrat").contract is None


def test_change_remove_and_follow_a_change_of_cc() -> None:
    gevaudan, coeur = h.new_contract(GEVAUDAN), h.new_contract(COEUR_DE_LOZERE)
    db.session.commit()
    meeting = f.meeting(siren=GEVAUDAN)
    update_meeting(meeting, _input(meeting, contract_id=None))
    assert meeting.contract is None
    # Left out (AUTO), the link stays as it is, even removed.
    update_meeting(meeting, _input(meeting, title="Concertation – nouvel intitulé"))
    assert meeting.contract is None
    update_meeting(meeting, _input(meeting, contract_id=gevaudan.id))
    assert meeting.contract is gevaudan
    with pytest.raises(InvalidMeeting) as refused:
        update_meeting(meeting, _input(meeting, contract_id=coeur.id))
    assert "n'est pas celui d'une communauté de communes du territoire" in refused.value.errors["contract_id"]
    with pytest.raises(InvalidMeeting) as refused:
        update_meeting(meeting, _input(meeting, contract_id=999_999))
    assert refused.value.errors["contract_id"] == "Contrat inconnu : aucun contrat n'a l'identifiant 999999."
    assert meeting.contract is gevaudan
    # The CC changes, the link shown is left as it was: it follows to the new CC's contract.
    update_meeting(meeting, _input(meeting, intercommunality_siren=COEUR_DE_LOZERE, contract_id=gevaudan.id))
    assert meeting.contract is coeur


def test_a_rendez_vous_covers_the_contracts_of_its_sector() -> None:
    sector = db.session.scalars(select(Sector).join(Sector.town).where(Commune.insee_code == MENDE)).one()
    ccs = [epci.siren for epci in sector.intercommunalities]
    assert COEUR_DE_LOZERE in ccs and GEVAUDAN not in ccs
    coeur = h.new_contract(COEUR_DE_LOZERE)
    closed = h.new_contract(COEUR_DE_LOZERE, starts_on=date(2023, 1, 1))
    closed.stage = ContractStage.CLOS
    h.new_contract(GEVAUDAN)  # outside the sector
    rendez_vous = f.meeting("rendez_vous", town=MENDE, title="RdV de Mende")
    assert rendez_vous.contract is None
    assert contracts_covered(rendez_vous) == [coeur]


# Pages -------------------------------------------------------------------------------------------------


def _form(meeting: Meeting, **overrides: str) -> dict[str, str]:
    data = {
        "kind": "concertation",
        "intercommunality": GEVAUDAN,
        "title": meeting.title,
        "purpose": "diagnostic",
        "day": "2027-03-09",
        "start_time": "14:00",
        "end_time": "17:00",
        "agenda": "Accueil",
    }
    return {**data, **overrides}


def test_the_meeting_form_changes_and_removes_the_link(client: FlaskClient, login: Login) -> None:
    gevaudan, coeur = h.new_contract(GEVAUDAN), h.new_contract(COEUR_DE_LOZERE)
    meeting = f.meeting(siren=GEVAUDAN)
    db.session.commit()
    login()
    page = _text(client.get(f"/reunions/{meeting.id}"))
    assert (
        f'href="/contrats/{gevaudan.id}"' in page
        and gevaudan.title in page
        and "étape « Diagnostic »" in page
    )
    edit = f"/reunions/{meeting.id}/modifier"
    form = _text(client.get(edit))
    assert "Contrat territorial" in form and gevaudan.title in form and coeur.title not in form
    token = csrf_token(client, edit)
    response = client.post(edit, data={**_form(meeting, contract=""), "csrf_token": token})
    assert response.status_code == 303
    assert _reloaded(meeting.id).contract is None
    assert "Aucun contrat relié" in _text(client.get(f"/reunions/{meeting.id}"))
    response = client.post(edit, data={**_form(meeting, contract=str(coeur.id)), "csrf_token": token})
    assert response.status_code == 422
    assert "n'est pas celui d'une communauté de communes" in _text(response)
    response = client.post(edit, data={**_form(meeting, contract="abc"), "csrf_token": token})
    assert response.status_code == 422 and "Contrat inconnu" in _text(response)
    response = client.post(edit, data={**_form(meeting, contract=str(gevaudan.id)), "csrf_token": token})
    assert response.status_code == 303 and _reloaded(meeting.id).contract_id == gevaudan.id


def test_the_creation_form_links_the_contract(client: FlaskClient, login: Login) -> None:
    contract = h.new_contract(GEVAUDAN)
    db.session.commit()
    login()
    form = _text(client.get("/reunions/nouvelle"))
    assert "reliée au contrat territorial en cours" in form
    token = csrf_token(client, "/reunions/nouvelle")
    data = {**_form(Meeting(title="Concertation du Gévaudan")), "csrf_token": token}
    response = client.post("/reunions/nouvelle", data=data)
    assert response.status_code == 303
    meeting_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    assert _reloaded(meeting_id).contract_id == contract.id


def test_the_rendez_vous_page_lists_the_sector_contracts(client: FlaskClient, login: Login) -> None:
    contract = h.new_contract(COEUR_DE_LOZERE)
    rendez_vous = f.meeting("rendez_vous", town=MENDE, title="RdV de Mende")
    db.session.commit()
    login(UserRole.LECTEUR)
    page = _text(client.get(f"/reunions/{rendez_vous.id}"))
    assert f'href="/contrats/{contract.id}"' in page and contract.intercommunality.name in page


# API ---------------------------------------------------------------------------------------------------

BODY: dict[str, Any] = {
    "kind": "concertation",
    "scope": {"intercommunality": GEVAUDAN},
    "title": "Concertation sur le contrat du Gévaudan",
    "purpose": "diagnostic",
    "starts_at": "2027-03-09T14:00:00",
    "ends_at": "2027-03-09T17:00:00",
}


def test_api_contract_id_at_creation_and_in_patch(client: FlaskClient, api_token: Callable[..., str]) -> None:
    gevaudan, coeur = h.new_contract(GEVAUDAN), h.new_contract(COEUR_DE_LOZERE)
    db.session.commit()
    headers = bearer(api_token())
    created = client.post("/api/v1/meetings", json=BODY, headers=headers)
    assert created.status_code == 201
    item = created.get_json()
    assert item["contract"] == {
        "id": gevaudan.id,
        "title": gevaudan.title,
        "intercommunality": "CC du Gévaudan",
        "stage": "diagnostic",
        "stage_label": "Diagnostic",
        "url": f"/api/v1/contracts/{gevaudan.id}",
    }
    url = f"/api/v1/meetings/{item['id']}"
    assert client.get(url, headers=headers).get_json()["contract"]["id"] == gevaudan.id
    unlinked = client.post("/api/v1/meetings", json={**BODY, "contract_id": None}, headers=headers)
    assert unlinked.status_code == 201 and unlinked.get_json()["contract"] is None

    for value, message in (
        (coeur.id, f"Le contrat « {coeur.title} » n'est pas celui d'une communauté de communes"),
        (999_999, "Contrat inconnu : aucun contrat n'a l'identifiant 999999."),
        (0, "Identifiant de contrat invalide"),
        ("12", "Nombre entier attendu."),
    ):
        for response in (
            client.post("/api/v1/meetings", json={**BODY, "contract_id": value}, headers=headers),
            client.patch(url, json={"contract_id": value}, headers=headers),
        ):
            assert response.status_code == 422, response.get_json()
            assert message in response.get_json()["errors"]["json"]["contract_id"][0]
    assert _reloaded(item["id"]).contract_id == gevaudan.id

    response = client.patch(url, json={"contract_id": None}, headers=headers)
    assert response.status_code == 200 and response.get_json()["contract"] is None
    response = client.patch(url, json={"title": "Autre intitulé"}, headers=headers)
    assert response.get_json()["contract"] is None  # left out: kept as it is
    response = client.patch(url, json={"contract_id": gevaudan.id}, headers=headers)
    assert response.get_json()["contract"]["id"] == gevaudan.id
    response = client.patch(url, json={"scope": {"intercommunality": COEUR_DE_LOZERE}}, headers=headers)
    assert response.get_json()["contract"]["id"] == coeur.id
    lecteur = bearer(api_token(UserRole.LECTEUR))
    assert client.patch(url, json={"contract_id": None}, headers=lecteur).status_code == 403
    assert _reloaded(item["id"]).contract_id == coeur.id
    assert db.session.get(Contract, coeur.id) is not None


def test_decisions_taken_on_the_linked_contract_keep_the_link() -> None:
    meeting = minutes_factories.past_meeting()
    contract = minutes_factories.with_contract(meeting)
    item = meeting.agenda_items[0].id
    record_decision(meeting, DecisionInput(kind="autre", agenda_item_id=item, text="Diagnostic partagé."))
    db.session.commit()
    with pytest.raises(InvalidMeeting) as refused:
        update_meeting(meeting, _input(meeting, contract_id=None))
    assert refused.value.errors == {
        "contract_id": "Des décisions ont été prises sur le contrat relié : annulez-les d'abord."
    }
    # Left as it is, the edit goes through.
    update_meeting(meeting, _input(meeting, title="Concertation – relevé", contract_id=contract.id))
    assert meeting.contract is contract


def test_api_contract_of_a_meeting_without_cc_and_of_a_rendez_vous(
    client: FlaskClient, api_token: Callable[..., str]
) -> None:
    gevaudan, coeur = h.new_contract(GEVAUDAN), h.new_contract(COEUR_DE_LOZERE)
    db.session.commit()
    headers = bearer(api_token())
    free = {**BODY, "kind": "autre", "scope": {}, "purpose": "Visite", "contract_id": gevaudan.id}
    response = client.post("/api/v1/meetings", json=free, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"]["contract_id"] == [
        "La réunion ne porte sur aucune communauté de communes : pas de contrat à relier."
    ]
    rendez_vous = {**BODY, "kind": "rendez_vous", "scope": {"sector": MENDE}, "purpose": ""}
    response = client.post("/api/v1/meetings", json={**rendez_vous, "contract_id": coeur.id}, headers=headers)
    assert response.status_code == 201 and response.get_json()["contract"]["id"] == coeur.id
    response = client.post(
        "/api/v1/meetings", json={**rendez_vous, "contract_id": gevaudan.id}, headers=headers
    )
    assert response.status_code == 422
