"""Digits that str.isdigit() accepts but int() refuses ("²") or reads as another number ("٣")."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from concertation.accounts.models import UserRole
from concertation.minutes.effects import _priority
from concertation.minutes.exceptions import InvalidInput
from concertation.minutes.forms import _int


def test_turnout_statistics_with_superscript_year(
    app: Flask, client: FlaskClient, login: Callable[..., object]
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    login(UserRole.LECTEUR)
    assert client.get("/statistiques/participation?annee=²²²²").status_code == 200


@pytest.mark.parametrize("raw", ["²", "٣", "１"])
def test_form_ids_and_priorities_in_ascii_digits(raw: str) -> None:
    assert _int(raw) is None
    with pytest.raises(InvalidInput):
        _priority(raw)
