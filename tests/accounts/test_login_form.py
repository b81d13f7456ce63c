"""The login form: a refused submission says so with its status, in French."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.common.http import csrf_token


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "", "password": "secret"}, "Indiquez votre adresse."),
        ({"email": "agent@lozere.fr"}, "Indiquez votre mot de passe."),
    ],
)
def test_incomplete_login_is_a_422(client: FlaskClient, data: dict[str, str], message: str) -> None:
    """It answered 200, as if the page had only been displayed."""
    response = client.post("/connexion", data={"csrf_token": csrf_token(client, "/connexion"), **data})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
