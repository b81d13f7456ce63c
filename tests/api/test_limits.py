"""Values at the edges that fuzzing sent to the API: an answer in French, never a 500."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from concertation.accounts.models import UserRole
from tests.common import db as f
from tests.common.http import bearer

pytestmark = pytest.mark.usefixtures("lozere")

HUGE = "99999999999999999999"


@pytest.fixture()
def headers(app: Flask, api_token: Callable[..., str]) -> dict[str, str]:
    # Answer a crash with a 500, as in production, so that the status is what is checked.
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return bearer(api_token(UserRole.LECTEUR))


@pytest.mark.parametrize("path", ["/api/v1/meetings", "/api/v1/people"])
def test_a_page_far_beyond_the_last_is_empty(client: FlaskClient, headers: dict[str, str], path: str) -> None:
    f.gevaudan_elus()
    f.meeting()
    response = client.get(f"{path}?page={HUGE}&page_size=200", headers=headers)
    assert response.status_code == 200
    assert response.get_json() == []
    first = json.loads(client.get(path, headers=headers).headers["X-Pagination"])
    assert json.loads(response.headers["X-Pagination"]) == {k: v for k, v in first.items() if k != "page"}


@pytest.mark.parametrize(
    "query", ["from=0001-01-01", "to=9999-12-31", "from=1899-12-31&to=2201-01-01", "from=9999-12-31"]
)
def test_days_outside_the_years_are_refused(client: FlaskClient, headers: dict[str, str], query: str) -> None:
    response = client.get(f"/api/v1/meetings?{query}", headers=headers)
    assert response.status_code == 422
    errors = response.get_json()["errors"]["query"]
    assert errors
    assert all(
        messages == ["Date attendue entre le 1900-01-01 et le 2200-12-31."] for messages in errors.values()
    )


@pytest.mark.parametrize(
    ("starts_at", "ends_at"),
    [
        ("0001-01-01T00:00:00", "0001-01-01T01:00:00"),
        ("9999-12-31T22:00:00", "9999-12-31T23:00:00-12:00"),
    ],
)
def test_meeting_times_outside_the_years_are_refused(
    client: FlaskClient, api_token: Callable[..., str], headers: dict[str, str], starts_at: str, ends_at: str
) -> None:
    body = {"kind": "autre", "title": "Réunion", "starts_at": starts_at, "ends_at": ends_at}
    response = client.post("/api/v1/meetings", json=body, headers=bearer(api_token(UserRole.ORGANISATEUR)))
    assert response.status_code == 422
    message = "Date hors limites : l'année doit être comprise entre 1900 et 2200."
    assert response.get_json()["errors"]["json"] == {"starts_at": [message], "ends_at": [message]}


@pytest.mark.parametrize("person_id", [2**31, 11696598677, 2**63, 0])
def test_person_ids_beyond_an_integer_column_are_refused(
    client: FlaskClient, api_token: Callable[..., str], headers: dict[str, str], person_id: int
) -> None:
    meeting = f.meeting()
    organiser = bearer(api_token(UserRole.ORGANISATEUR))
    message = ["Identifiant de personne invalide : entier de 1 à 2147483647."]
    url = f"/api/v1/meetings/{meeting.id}/invitees"
    response = client.post(url, json={"person_id": person_id, "reason": "Partenaire"}, headers=organiser)
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"] == {"person_id": message}
    response = client.delete(f"{url}?person_id={person_id}&reason=Partenaire", headers=organiser)
    assert response.status_code == 422
    assert response.get_json()["errors"]["query"] == {"person_id": message}
