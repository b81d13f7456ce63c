"""POST /api/v1/meetings/{id}/dossier and the download of a version through the API."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from concertation.accounts.models import UserRole
from concertation.extensions import db
from concertation.meetings.models import MeetingDocument, MeetingStatus
from tests.common import db as f
from tests.common.http import bearer

pytestmark = pytest.mark.usefixtures("lozere")


def test_post_dossier_generates_a_new_version(
    app: Flask, client: FlaskClient, api_token: Callable[..., str]
) -> None:
    meeting = f.meeting("concertation", title="Concertation du Gévaudan")
    db.session.commit()
    organiser = bearer(api_token(UserRole.ORGANISATEUR))
    response = client.post(f"/api/v1/meetings/{meeting.id}/dossier", headers=organiser)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) == {"id", "title", "kind", "version", "created_at", "sha256", "size", "url"}
    assert body["kind"] == "dossier" and body["version"] == 1
    assert body["title"] == "Dossier de séance — Concertation du Gévaudan"
    assert body["url"].endswith(f"/api/v1/meetings/{meeting.id}/dossier/1")
    assert response.headers["Location"] == body["url"]
    assert body["created_at"].endswith("+00:00") or body["created_at"].endswith("Z")

    pdf = client.get(body["url"], headers=bearer(api_token(UserRole.LECTEUR)))
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert hashlib.sha256(pdf.data).hexdigest() == body["sha256"] and len(pdf.data) == body["size"]
    assert pdf.data.startswith(b"%PDF-")

    second = client.post(f"/api/v1/meetings/{meeting.id}/dossier", headers=organiser).get_json()
    assert second["version"] == 2 and second["id"] != body["id"]
    assert db.session.get(MeetingDocument, body["id"]).sha256 == body["sha256"]


def test_post_dossier_refusals(app: Flask, client: FlaskClient, api_token: Callable[..., str]) -> None:
    meeting = f.meeting("concertation")
    db.session.commit()
    url = f"/api/v1/meetings/{meeting.id}/dossier"
    lecteur = client.post(url, headers=bearer(api_token(UserRole.LECTEUR)))
    assert lecteur.status_code == 403 and "organisateur" in lecteur.get_json()["message"].lower()
    assert client.post(url).status_code == 401
    organiser = bearer(api_token(UserRole.ORGANISATEUR))
    missing = client.post("/api/v1/meetings/999999/dossier", headers=organiser)
    assert missing.status_code == 404 and missing.get_json()["message"].startswith("Aucune réunion")
    assert client.get(f"{url}/1", headers=organiser).status_code == 404
    meeting.status = MeetingStatus.ANNULEE
    db.session.commit()
    cancelled = client.post(url, headers=organiser)
    assert cancelled.status_code == 409 and "annulée" in cancelled.get_json()["message"]
    assert db.session.query(MeetingDocument).count() == 0


def test_openapi_documents_the_dossier(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    post = paths["/api/v1/meetings/{meeting_id}/dossier"]["post"]
    assert {"201", "401", "403", "404", "409"} <= set(post["responses"])
    assert "get" in paths["/api/v1/meetings/{meeting_id}/dossier/{version}"]


def test_a_file_that_cannot_be_written_is_a_503_not_a_crash(
    app: Flask, client: FlaskClient, api_token: Callable[..., str], tmp_path: Path
) -> None:
    meeting = f.meeting("concertation")
    db.session.commit()
    # A plain file where the documents folder should be: nothing can be written under it.
    blocked = tmp_path / "bloque"
    blocked.write_text("")
    app.config["MEETING_DOCUMENTS_DIR"] = str(blocked)
    response = client.post(
        f"/api/v1/meetings/{meeting.id}/dossier", headers=bearer(api_token(UserRole.ORGANISATEUR))
    )
    assert response.status_code == 503
    assert response.get_json()["message"].startswith("Le dossier n'a pas pu être enregistré")
    assert db.session.query(MeetingDocument).count() == 0
