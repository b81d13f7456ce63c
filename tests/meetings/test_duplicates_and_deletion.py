"""A second Rendez-vous of a town for a year: asked once at creation, one overlap line; deleting a draft."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from concertation.accounts.models import User, UserRole
from concertation.extensions import db
from concertation.invitations import services as invitation_services
from concertation.meetings.models import AgendaItem, Meeting
from concertation.meetings.warnings import list_warnings
from concertation.notifications.emails import MailContext
from tests.common import db as f
from tests.common.http import csrf_token

MARVEJOLS = "48092"


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Meeting)) or 0


def _rendez_vous_form(client: FlaskClient) -> dict[str, str]:
    return {
        "csrf_token": csrf_token(client, "/reunions/nouvelle"),
        "kind": "rendez_vous",
        "sector": MARVEJOLS,
        "title": "Rendez-vous de Territoire de Marvejols 2027",
        "year": "2027",
        "day": "2027-03-09",
        "start_time": "14:00",
        "end_time": "17:00",
        "agenda": "Accueil",
    }


def _text(response: object) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.get_data(as_text=True)))  # type: ignore[attr-defined]


def test_second_rendez_vous_of_a_town_and_year_asks_once(
    client: FlaskClient, lozere: None, login: Callable[..., User]
) -> None:
    f.gevaudan_elus()
    login()
    assert client.post("/reunions/nouvelle", data=_rendez_vous_form(client)).status_code == 303
    assert _count() == 1

    again = client.post("/reunions/nouvelle", data=_rendez_vous_form(client))
    assert again.status_code == 200
    page = _text(again)
    assert page.count("un Rendez-vous de Marvejols 2027 existe déjà") == 1
    assert 'name="confirm" value="1"' in page
    assert _count() == 1  # nothing saved before the confirmation

    confirmed = client.post("/reunions/nouvelle", data={**_rendez_vous_form(client), "confirm": "1"})
    assert confirmed.status_code == 303
    assert _count() == 2

    # On the second one's page, the overlap with the first is one line listing the persons.
    overlaps = [w.message for w in list_warnings(db.session.get(Meeting, 2)) if w.kind == "overlap"]  # type: ignore[arg-type]
    assert len(overlaps) == 1, overlaps
    assert overlaps[0].startswith("Chevauchement avec « Rendez-vous de Territoire de Marvejols 2027 »")
    assert "invité(e)s en commun" in overlaps[0]
    detail = _text(client.get(confirmed.headers["Location"]))
    assert detail.count("Chevauchement avec") == 1


def test_a_cancelled_rendez_vous_does_not_count_as_a_duplicate(
    client: FlaskClient, lozere: None, login: Callable[..., User]
) -> None:
    login()
    first = f.meeting("rendez_vous", town=MARVEJOLS, starts_at=f.paris(2027, 3, 9, 14), title="Ancien")
    first.status = "annulee"  # type: ignore[assignment]
    db.session.commit()
    assert client.post("/reunions/nouvelle", data=_rendez_vous_form(client)).status_code == 303


def test_organiser_deletes_a_draft(client: FlaskClient, lozere: None, login: Callable[..., User]) -> None:
    draft = f.meeting("concertation", siren="244800470", starts_at=f.paris(2027, 3, 9, 14))
    db.session.commit()
    login()
    page = _text(client.get(f"/reunions/{draft.id}"))
    assert "Supprimer le brouillon" in page
    # Without the form's CSRF token, nothing happens.
    assert client.post(f"/reunions/{draft.id}/suppression").status_code in (303, 400)
    assert _count() == 1
    token = csrf_token(client, f"/reunions/{draft.id}")
    response = client.post(f"/reunions/{draft.id}/suppression", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/reunions/"
    assert _count() == 0
    assert db.session.scalar(select(func.count()).select_from(AgendaItem)) == 0


def test_reader_cannot_delete(client: FlaskClient, lozere: None, login: Callable[..., User]) -> None:
    draft = f.meeting("concertation", siren="244800470", starts_at=f.paris(2027, 3, 9, 14))
    db.session.commit()
    login(UserRole.LECTEUR)
    assert "Supprimer le brouillon" not in _text(client.get(f"/reunions/{draft.id}"))
    response = client.post(f"/reunions/{draft.id}/suppression", data={"csrf_token": "x"})
    assert response.status_code in (302, 303, 400, 403)
    assert _count() == 1


def _convoked(app: Flask) -> Meeting:
    f.gevaudan_elus()
    meeting = f.meeting("concertation", siren="244800470", starts_at=f.paris(2027, 3, 9, 14))
    db.session.commit()
    invitation_services.convoke(meeting, MailContext.from_config(app.config))
    db.session.commit()
    return meeting


def test_a_convoked_meeting_cannot_be_deleted(
    app: Flask, client: FlaskClient, lozere: None, login: Callable[..., User]
) -> None:
    meeting = _convoked(app)
    login()
    assert "Supprimer le brouillon" not in _text(client.get(f"/reunions/{meeting.id}"))
    token = csrf_token(client, f"/reunions/{meeting.id}")
    response = client.post(
        f"/reunions/{meeting.id}/suppression", data={"csrf_token": token}, follow_redirects=True
    )
    assert "seul un brouillon jamais convoqué peut être supprimé" in _text(response)
    assert _count() == 1


def test_api_delete_a_draft_then_409_once_convoked(
    app: Flask, client: FlaskClient, lozere: None, api_token: Callable[..., str]
) -> None:
    headers = {"Authorization": f"Bearer {api_token()}"}
    draft = f.meeting("concertation", siren="244800470", starts_at=f.paris(2027, 4, 9, 14), title="Brouillon")
    db.session.commit()
    draft_id = draft.id
    assert client.delete(f"/api/v1/meetings/{draft_id}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/meetings/{draft_id}", headers=headers).status_code == 404

    meeting = _convoked(app)
    response = client.delete(f"/api/v1/meetings/{meeting.id}", headers=headers)
    assert response.status_code == 409
    assert "seul un brouillon jamais convoqué peut être supprimé" in response.get_json()["message"]
    assert client.get(f"/api/v1/meetings/{meeting.id}", headers=headers).status_code == 200
