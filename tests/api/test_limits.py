"""Values at the edges that fuzzing sent to the API: an answer in French, never a 500."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from concertation.accounts.models import UserRole
from tests import factories as f
from tests.api.helpers import bearer

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
