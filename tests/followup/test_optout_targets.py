"""The reminder opt-out page with a target that names no meeting or contract: a notice, not a crash."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from concertation.accounts.models import UserRole


@pytest.mark.parametrize(
    "query", ["reunion=²", "reunion=99999999999999999999", "contrat=2147483648", "contrat=x"]
)
def test_impossible_target(app: Flask, client: FlaskClient, login: Callable[..., object], query: str) -> None:
    """str.isdigit() let "²" reach int() and huge ids reach the database (a 500 either way)."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    login(UserRole.ORGANISATEUR)
    response = client.get(f"/suivi/desactiver?{query}")
    assert response.status_code == 303
    with client.session_transaction() as session:
        assert session.pop("_flashes") == [("danger", "Réunion ou contrat introuvable.")]
