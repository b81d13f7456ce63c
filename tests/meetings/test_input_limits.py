"""Dates far outside the years a meeting can be in: a French message on the field, nothing written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from concertation.accounts.models import UserRole
from concertation.extensions import db
from concertation.meetings.exceptions import InvalidMeeting
from concertation.meetings.models import Meeting
from concertation.meetings.services import YEARS_MESSAGE, MeetingInput, create_meeting
from tests.common import db as f
from tests.common.http import csrf_token

pytestmark = pytest.mark.usefixtures("lozere")


@pytest.mark.parametrize(
    ("starts_at", "ends_at"),
    [
        (datetime(1, 1, 1, 0, 0), datetime(1, 1, 1, 1, 0)),
        (datetime(9999, 12, 31, 22, 0), datetime(9999, 12, 31, 23, 59)),
    ],
)
def test_service_refuses_years_that_cannot_be_converted(starts_at: datetime, ends_at: datetime) -> None:
    data = MeetingInput(kind="autre", title="Réunion", starts_at=starts_at, ends_at=ends_at)
    with pytest.raises(InvalidMeeting) as raised:
        create_meeting(data, None)
    assert raised.value.errors == {"starts_at": YEARS_MESSAGE, "ends_at": YEARS_MESSAGE}
    assert db.session.scalar(select(func.count(Meeting.id))) == 0


def test_form_refuses_year_one(app: Flask, client: FlaskClient, login: Callable[..., object]) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    login(UserRole.ORGANISATEUR)
    data = {
        "csrf_token": csrf_token(client, "/reunions/nouvelle"),
        "kind": "autre",
        "title": "Réunion",
        "day": "0001-01-01",
        "start_time": "10:00",
        "end_time": "11:00",
    }
    response = client.post("/reunions/nouvelle", data=data)
    assert response.status_code == 422
    assert YEARS_MESSAGE.replace("'", "&#39;") in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Meeting.id))) == 0


@pytest.mark.parametrize("year", ["٢٠٢٧", "２０２７", "202³"])
def test_rendez_vous_year_is_written_in_ascii_digits(year: str) -> None:
    """str.isdigit() accepts Arabic-Indic, full-width digits (stored as such) and "³" (int() fails)."""
    data = MeetingInput(
        kind="rendez_vous",
        title="Rendez-vous de Territoire",
        starts_at=datetime(2027, 5, 4, 18, 0),
        ends_at=datetime(2027, 5, 4, 20, 0),
        purpose=year,
        sector_town="48095",
    )
    with pytest.raises(InvalidMeeting) as raised:
        create_meeting(data, None)
    assert raised.value.errors == {
        "purpose": "L'objet d'un Rendez-vous de Territoire est son année (ex. 2027)."
    }


@pytest.mark.parametrize("raw", ["99999999999999999999", "2147483648", "²", "٣"])
def test_invitee_forms_with_an_impossible_person(
    client: FlaskClient, login: Callable[..., object], raw: str
) -> None:
    """str.isdigit() let these reach int() (ValueError) or the database (overflow)."""
    login(UserRole.ORGANISATEUR)
    meeting = f.meeting()
    db.session.commit()
    for action, message in [
        ("ajout", "Choisissez une personne parmi les résultats de la recherche."),
        ("retrait", "Personne introuvable."),
    ]:
        token = csrf_token(client, f"/reunions/{meeting.id}")
        response = client.post(
            f"/reunions/{meeting.id}/invites/{action}", data={"csrf_token": token, "person_id": raw}
        )
        assert response.status_code == 303
        with client.session_transaction() as session:
            assert session.pop("_flashes") == [("danger", message)]


@pytest.mark.parametrize(
    "url",
    [
        "/reunions/?annee=²²²²",
        "/reunions/nouvelle?kind=rendez_vous&town=48095&year=²²²²",
        "/reunions/?page=99999999999999999999",
        "/elus/?page=99999999999999999999",
    ],
)
def test_listing_arguments_that_crashed(
    app: Flask, client: FlaskClient, login: Callable[..., object], url: str
) -> None:
    """ "²²²²" passed str.isdigit() into int(); a huge page overflowed the database offset."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    login(UserRole.ORGANISATEUR)
    assert client.get(url).status_code == 200
