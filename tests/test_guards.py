"""Request guards: ids too large for the database are 404s, unstorable text is a 400 in French."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from concertation.accounts.models import UserRole
from concertation.extensions import db
from concertation.guards import MAX_ID, UNSTORABLE_MESSAGE, is_storable
from concertation.meetings.models import Meeting
from concertation.territory.models import Syndicate
from tests.api.helpers import bearer
from tests.conftest import csrf_token

pytestmark = pytest.mark.usefixtures("lozere")

HUGE = "99999999999999999999"


@pytest.fixture()
def no_propagation(app: Flask) -> None:
    """Answer a crash with the 500 page, as in production, so that the status is what is checked."""
    app.config["PROPAGATE_EXCEPTIONS"] = False


@pytest.mark.usefixtures("no_propagation")
@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/meetings/{HUGE}",
        f"/api/v1/people/{MAX_ID + 1}",
        "/api/v1/syndicates/9223372036854775808",
        f"/api/v1/meetings/{HUGE}/invitees",
    ],
)
def test_api_ids_beyond_an_integer_column_are_not_found(
    client: FlaskClient, api_token: Callable[..., str], path: str
) -> None:
    response = client.get(path, headers=bearer(api_token(UserRole.ORGANISATEUR)))
    assert response.status_code == 404
    assert response.get_json()["message"] == "Ressource introuvable."


@pytest.mark.usefixtures("no_propagation")
@pytest.mark.parametrize("path", [f"/reunions/{HUGE}", f"/elus/{MAX_ID + 1}", f"/territoire/secteurs/{HUGE}"])
def test_page_ids_beyond_an_integer_column_are_not_found(
    client: FlaskClient, login: Callable[..., object], path: str
) -> None:
    login(UserRole.ORGANISATEUR)
    response = client.get(path)
    assert response.status_code == 404
    assert "Page introuvable." in response.get_data(as_text=True)


def test_the_document_bounds_ids(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    (parameter,) = document["paths"]["/api/v1/meetings/{meeting_id}"]["parameters"]
    assert parameter["schema"] == {"type": "integer", "minimum": 0, "maximum": MAX_ID}


@pytest.mark.usefixtures("no_propagation")
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/meetings", '{"kind": "autre", "title": "R\\u00e9union\\u0000"}'),
        ("/api/v1/syndicates", '{"name": "SIVOM \\ud800", "commune_codes": ["48092"]}'),
        ("/api/v1/syndicates", '{"name\\u0000": "SIVOM", "commune_codes": ["48092"]}'),
    ],
)
def test_api_refuses_unstorable_text_in_json(
    client: FlaskClient, api_token: Callable[..., str], path: str, body: str
) -> None:
    headers = {**bearer(api_token(UserRole.ORGANISATEUR)), "Content-Type": "application/json"}
    response = client.post(path, data=body, headers=headers)
    assert response.status_code == 400
    assert response.get_json()["message"] == UNSTORABLE_MESSAGE
    assert db.session.scalar(select(func.count(Meeting.id))) == 0
    assert db.session.scalar(select(func.count(Syndicate.id))) == 0


def test_api_authenticates_before_looking_at_the_text(
    client: FlaskClient, api_token: Callable[..., str]
) -> None:
    body = '{"kind": "autre", "title": "R\\u00e9union\\u0000"}'
    json = {"Content-Type": "application/json"}
    assert client.post("/api/v1/meetings", data=body, headers=json).status_code == 401
    reader = {**bearer(api_token(UserRole.LECTEUR)), **json}
    assert client.post("/api/v1/meetings", data=body, headers=reader).status_code == 403


@pytest.mark.usefixtures("no_propagation")
@pytest.mark.parametrize("path", ["/api/v1/people?q=a%00b", "/api/v1/communes?q=%00", "/api/v1/communes/%00"])
def test_api_refuses_nul_in_the_address(
    client: FlaskClient, api_token: Callable[..., str], path: str
) -> None:
    response = client.get(path, headers=bearer(api_token(UserRole.LECTEUR)))
    assert response.status_code == 400
    assert response.get_json()["message"] == UNSTORABLE_MESSAGE


@pytest.mark.usefixtures("no_propagation")
def test_form_with_nul_is_refused_and_writes_nothing(
    client: FlaskClient, login: Callable[..., object]
) -> None:
    login(UserRole.ORGANISATEUR)
    token = csrf_token(client, "/elus/nouveau")
    response = client.post(
        "/elus/nouveau", data={"csrf_token": token, "first_name": "Anne\x00", "last_name": "PETIT"}
    )
    assert response.status_code == 400
    assert UNSTORABLE_MESSAGE in response.get_data(as_text=True)
    response = client.get("/elus/?q=%00")
    assert response.status_code == 400


def test_is_storable() -> None:
    assert is_storable({"a": ["é", 1, None, {"b": "ü"}]})
    assert not is_storable({"a": ["x\x00"]})
    assert not is_storable({"\ud800": 1})
