"""Error answers: JSON in French under /api/, the HTML error page elsewhere."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask, abort
from flask.testing import FlaskClient

from concertation.api.errors import translate, translate_errors
from tests.common.http import bearer


@pytest.mark.parametrize(
    ("english", "french"),
    [
        ("Missing data for required field.", "Champ obligatoire."),
        ("Unknown field.", "Champ inconnu."),
        ("Must be one of: a, b.", "Valeur attendue parmi : a, b."),
        ("Longer than maximum length 200.", "200 caractère(s) au maximum."),
        ("Must be greater than or equal to 1.", "Doit être supérieur ou égal à 1."),
        (
            "Must be greater than or equal to 1 and less than or equal to 200.",
            "Doit être compris entre 1 et 200.",
        ),
        ("Déjà en français.", "Déjà en français."),
    ],
)
def test_translate(english: str, french: str) -> None:
    assert translate(english) == french


def test_translate_nested_errors() -> None:
    errors = {"json": {"members": {0: ["Not a valid string."]}, "name": ["Field may not be null."]}}
    assert translate_errors(errors) == {
        "json": {"members": {0: ["Texte attendu."]}, "name": ["Ce champ ne peut pas être vide (null)."]}
    }


def test_any_api_address_answers_json(client: FlaskClient) -> None:
    for url in ("/api/v2/communes", "/api/v1/communes/48095/nothing"):
        response = client.get(url)
        assert response.status_code in (401, 404), url
        assert response.is_json, url


def test_pagination_errors_are_french(client: FlaskClient, api_token: Callable[..., str]) -> None:
    response = client.get("/api/v1/people?page=0&page_size=1000", headers=bearer(api_token()))
    assert response.status_code == 422
    errors = response.get_json()["errors"]["query"]
    assert errors["page"] == ["Doit être supérieur ou égal à 1."]
    assert errors["page_size"] == ["Doit être compris entre 1 et 200."]


def test_pages_get_the_html_error_page_for_other_codes(app: Flask, client: FlaskClient) -> None:
    """flask-smorest handles every HTTP error of the app; outside /api/ it must stay a page."""

    def gone() -> str:
        abort(410)

    app.add_url_rule("/disparu", "gone", gone)
    response = client.get("/disparu")
    assert response.status_code == 410
    assert response.mimetype == "text/html"
    assert "Cette ressource n&#39;existe plus." in response.get_data(as_text=True)
