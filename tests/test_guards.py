"""Request guards: ids too large for the database are 404s, unstorable text and JSON nested too deep are
400s in French; the page after logging in stays on the site."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from concertation.accounts.models import User, UserRole
from concertation.core.ids import MAX_ID
from concertation.core.requests import (
    MAX_JSON_DEPTH,
    TOO_DEEP_MESSAGE,
    UNSTORABLE_MESSAGE,
    is_storable,
    json_depth,
)
from concertation.extensions import db
from concertation.meetings.models import Meeting
from concertation.territory.models import Syndicate
from tests.common.db.accounts import TEST_PASSWORD
from tests.common.http import bearer, csrf_token

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
    headers = {**bearer(api_token(UserRole.ADMIN)), "Content-Type": "application/json"}
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


def test_is_storable_and_json_depth_do_not_recurse() -> None:
    deep: list[object] = []
    for _ in range(100_000):
        deep = [deep]
    assert is_storable(deep)
    assert json_depth(deep) == 100_001
    assert json_depth({"a": [1, {"b": []}]}) == 4
    assert json_depth("x") == 0


# --- JSON nested past what the parser and the readers handle --------------------------------------------


@pytest.mark.usefixtures("no_propagation")
@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000,  # the parser itself gives up (RecursionError)
        "[" * 100_000 + "]" * 100_000,
        '{"kind": "autre", "title": ' + "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1) + "}",
    ],
)
def test_api_refuses_json_nested_too_deep(
    client: FlaskClient, api_token: Callable[..., str], body: str
) -> None:
    headers = {**bearer(api_token(UserRole.ORGANISATEUR)), "Content-Type": "application/json"}
    response = client.post("/api/v1/meetings", data=body, headers=headers)
    assert response.status_code == 400
    assert response.get_json()["message"] == TOO_DEEP_MESSAGE
    assert db.session.scalar(select(func.count(Meeting.id))) == 0


def test_api_accepts_json_up_to_the_depth_limit(client: FlaskClient, api_token: Callable[..., str]) -> None:
    # A list of MAX_JSON_DEPTH - 1 levels inside the object: the guard lets it through, the schema judges it.
    nested = "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1)
    headers = {**bearer(api_token(UserRole.ORGANISATEUR)), "Content-Type": "application/json"}
    body = f'{{"kind": "autre", "title": {nested}}}'
    response = client.post("/api/v1/meetings", data=body, headers=headers)
    assert response.status_code == 422


@pytest.mark.usefixtures("no_propagation")
def test_pages_refuse_json_nested_too_deep(client: FlaskClient, login: Callable[..., object]) -> None:
    login(UserRole.ORGANISATEUR)
    token = csrf_token(client, "/elus/nouveau")
    response = client.post(
        "/elus/nouveau",
        data="[" * 100_000,
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 400
    assert str(escape(TOO_DEEP_MESSAGE)) in response.get_data(as_text=True)


# --- where to go after logging in ----------------------------------------------------------------------


def _login_with_next(client: FlaskClient, make_user: Callable[..., User], next_param: str) -> TestResponse:
    user = make_user(UserRole.ORGANISATEUR)
    token = csrf_token(client, "/connexion")
    return client.post(
        f"/connexion?next={next_param}",
        data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token},
    )


@pytest.mark.usefixtures("no_propagation")
@pytest.mark.parametrize(
    "next_param",
    [
        "%2F%0D%0ASet-Cookie%3A%20pris%3D1",  # header injection: CR LF
        "%2F%0ASet-Cookie%3A%20pris%3D1",
        "%2F%09%2Fexemple.org",  # a tab that browsers drop: "//exemple.org"
        "%2F%2Fexemple.org",
        "%2F%5Cexemple.org",  # "/\\exemple.org", read by browsers as "//exemple.org"
        "%5C%5Cexemple.org",
        "https%3A%2F%2Fexemple.org%2F",
        "%2F%E2%80%AEgro.elpmexe",  # a right-to-left override
        "javascript%3Aalert(1)",
        "reunions",
        "",
    ],
)
def test_login_refuses_a_next_that_leaves_the_site_or_splits_the_header(
    client: FlaskClient, make_user: Callable[..., User], next_param: str
) -> None:
    response = _login_with_next(client, make_user, next_param)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert "pris" not in str(response.headers)
    assert client.get("/").status_code == 200  # logged in


@pytest.mark.parametrize(
    ("next_param", "location"),
    [
        ("%2Freunions%2F%3Fpage%3D2", "/reunions/?page=2"),
        ("%2Felus%2F%3Fq%3DB%C3%A9dou%C3%A8s", "/elus/?q=B%C3%A9dou%C3%A8s"),
    ],
)
def test_login_follows_a_next_of_this_site(
    client: FlaskClient, make_user: Callable[..., User], next_param: str, location: str
) -> None:
    response = _login_with_next(client, make_user, next_param)
    assert response.status_code == 303
    assert response.headers["Location"] == location
