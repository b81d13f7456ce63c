"""Numbers on the contract pages and in their messages are written the French way (issue 12)."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from concertation.accounts.models import User, UserRole
from concertation.contracts.enums import ContractStage
from concertation.contracts.exceptions import InvalidInput
from concertation.extensions import db
from tests.common.db import contracts as h
from tests.common.http import csrf_token

pytestmark = pytest.mark.usefixtures("lozere")
NBSP, NNBSP = "\u00a0", "\u202f"


def _text(response: Any) -> str:
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(response.get_data(as_text=True)))


def test_share_and_sizes_on_the_pages(
    app: Flask, client: FlaskClient, login: Callable[..., User], tmp_path: Any
) -> None:
    app.config.update(CONTRACT_DOCUMENTS_DIR=str(tmp_path), CONTRACT_DOCUMENT_MAX_BYTES=1_500_000)
    contract = h.contract_at(ContractStage.SIGNE, envelope="321 500,00")  # 30 000 € of grants: 9,33 %
    db.session.commit()
    login(UserRole.ORGANISATEUR)
    url = f"/contrats/{contract.id}/documents/nouveau"
    assert f"1,4{NBSP}Mo au maximum" in _text(client.get(url))
    data = {
        "title": "Portrait",
        "file": (io.BytesIO(b"%PDF-1.4" + b"x" * 28_766), "portrait.pdf"),
        "csrf_token": csrf_token(client, url),
    }
    assert client.post(url, data=data, content_type="multipart/form-data").status_code == 303
    page = _text(client.get(f"/contrats/{contract.id}"))
    assert f"9,3{NBSP}%" in page and "9.3" not in page
    assert f"28,1{NBSP}ko" in page and "28.1" not in page
    index = _text(client.get("/contrats/"))
    assert f"9,3{NBSP}%" in index and "9.3 %" not in index


def test_length_messages(app: Flask) -> None:
    contract = h.new_contract()
    with pytest.raises(InvalidInput) as raised:
        h.new_project(contract, description="x" * 20_001)
    assert raised.value.errors["description"] == f"La description dépasse 20{NNBSP}000 caractères."


def test_month_title_is_lower_case_in_a_sentence(client: FlaskClient, login: Callable[..., User]) -> None:
    login(UserRole.LECTEUR)
    page = _text(client.get("/reunions/?vue=mois&mois=2026-12"))
    assert "réunion(s) en décembre 2026." in page
