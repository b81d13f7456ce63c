"""The dossier panel of the meeting page, the generation button and the download of a version."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from concertation.accounts.models import User, UserRole
from concertation.extensions import db
from concertation.meetings.models import Meeting, MeetingDocument, MeetingStatus
from tests.common import db as f
from tests.common.http import csrf_token
from tests.common.pdf import flat, pdf_text

pytestmark = pytest.mark.usefixtures("lozere")


def _meeting() -> Meeting:
    meeting = f.meeting("concertation", title="Concertation sans contrat")
    db.session.commit()
    return meeting


def _generate(client: FlaskClient, meeting: Meeting) -> str:
    page = f"/reunions/{meeting.id}"
    response = client.post(f"{page}/dossier", data={"csrf_token": csrf_token(client, page)})
    assert response.status_code == 303 and response.location.endswith(f"{page}#dossier")
    return client.get(page).get_data(as_text=True)


def test_organiser_generates_and_downloads_a_version(
    app: Flask, client: FlaskClient, login: Callable[..., User]
) -> None:
    login(UserRole.ORGANISATEUR)
    meeting = _meeting()
    page = client.get(f"/reunions/{meeting.id}").get_data(as_text=True)
    assert "Générer le dossier de séance" in page and "Aucun dossier généré pour l'instant." in page
    page = _generate(client, meeting)
    assert "Dossier de séance généré : version 1." in page
    assert "dossier-seance-v1.pdf" in page and "ko</td>" in page

    response = client.get(f"/reunions/{meeting.id}/dossier/v1")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == "attachment; filename=dossier-seance-v1.pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    digest = hashlib.sha256(response.data).hexdigest()
    assert digest[:12] in page and response.headers["ETag"] == f'"{digest}"'
    text = flat(pdf_text(response.data))
    assert "Aucun contrat territorial n'est relié à cette concertation" in text

    page = _generate(client, meeting)
    assert "version 2." in page and "dossier-seance-v2.pdf" in page and "dossier-seance-v1.pdf" in page
    # The newest first.
    assert page.index("dossier-seance-v2.pdf") < page.index("dossier-seance-v1.pdf")
    assert client.get(f"/reunions/{meeting.id}/dossier/v3").status_code == 404
    assert client.get(f"/reunions/{meeting.id + 1}/dossier/v1").status_code == 404


def test_lecteur_reads_the_versions_but_does_not_generate(
    app: Flask, client: FlaskClient, login: Callable[..., User]
) -> None:
    meeting = _meeting()
    login(UserRole.ORGANISATEUR)
    _generate(client, meeting)
    client.post("/deconnexion", data={"csrf_token": csrf_token(client, f"/reunions/{meeting.id}")})
    login(UserRole.LECTEUR)
    page = client.get(f"/reunions/{meeting.id}").get_data(as_text=True)
    assert "Dossier de séance" in page and "dossier-seance-v1.pdf" in page
    assert "Générer le dossier de séance" not in page
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert (
        client.post(
            f"/reunions/{meeting.id}/dossier", data={"csrf_token": token.group(1) if token else ""}
        ).status_code
        == 403
    )
    assert client.get(f"/reunions/{meeting.id}/dossier/v1").status_code == 200


def test_refusals_are_pages_not_errors(app: Flask, client: FlaskClient, login: Callable[..., User]) -> None:
    login(UserRole.ORGANISATEUR)
    meeting = _meeting()
    # No CSRF token: refused before anything is written.
    assert client.post(f"/reunions/{meeting.id}/dossier").status_code == 400
    meeting.status = MeetingStatus.ANNULEE
    db.session.commit()
    page = client.get(f"/reunions/{meeting.id}").get_data(as_text=True)
    assert "Générer le dossier de séance" not in page
    token = csrf_token(client, "/reunions/")
    response = client.post(f"/reunions/{meeting.id}/dossier", data={"csrf_token": token})
    assert response.status_code == 303
    assert "son dossier de séance ne peut plus être généré" in client.get(response.location).get_data(
        as_text=True
    )
    assert client.post("/reunions/999999/dossier", data={"csrf_token": token}).status_code == 404


def test_anonymous_visitor_gets_nothing(app: Flask, client: FlaskClient, login: Callable[..., User]) -> None:
    meeting = _meeting()
    login(UserRole.ORGANISATEUR)
    _generate(client, meeting)
    anonymous = app.test_client()
    assert anonymous.get(f"/reunions/{meeting.id}/dossier/v1").status_code in (302, 401)


def test_the_panel_shows_paris_time_on_a_dst_day(
    app: Flask, client: FlaskClient, login: Callable[..., User]
) -> None:
    login(UserRole.ORGANISATEUR)
    meeting = _meeting()
    _generate(client, meeting)
    version = db.session.scalars(select(MeetingDocument)).one()
    # 1:30 UTC on 28 March 2027, just after summer time began at 2:00 (1:00 UTC): 3:30 in Lozère.
    version.created_at = datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    db.session.commit()
    page = client.get(f"/reunions/{meeting.id}").get_data(as_text=True)
    assert ">28/03/2027 03:30</time>" in page


def test_a_file_that_cannot_be_written_is_flashed(
    app: Flask, client: FlaskClient, login: Callable[..., User], tmp_path: Path
) -> None:
    login(UserRole.ORGANISATEUR)
    meeting = _meeting()
    blocked = tmp_path / "bloque"
    blocked.write_text("")
    app.config["MEETING_DOCUMENTS_DIR"] = str(blocked)
    page = _generate(client, meeting)
    assert "Le dossier n&#39;a pas pu être enregistré" in page
    assert "Aucun dossier généré pour l'instant." in page
