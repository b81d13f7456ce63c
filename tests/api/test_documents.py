"""/api/v1/meetings/{id}/documents: list, multipart upload, download; the pages' checks; lecteur reads."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from concertation.accounts.models import UserRole
from concertation.extensions import db
from concertation.meetings import documents
from concertation.meetings.models import DocumentKind, MeetingDocument, MeetingStatus
from tests.common import db as f
from tests.common.db import meetings as m
from tests.common.http import bearer

pytestmark = pytest.mark.usefixtures("lozere")


@pytest.fixture()
def folder(app: Flask, tmp_path: Path) -> Path:
    app.config.update(MEETING_DOCUMENTS_DIR=str(tmp_path), MEETING_DOCUMENT_MAX_BYTES=5000)
    return tmp_path


@pytest.fixture()
def headers(api_token: Callable[..., str]) -> dict[str, str]:
    return bearer(api_token(UserRole.ORGANISATEUR))


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(MeetingDocument)) or 0


def _upload(
    client: FlaskClient, headers: dict[str, str], meeting_id: int, content: bytes, filename: str, **form: Any
) -> Any:
    data = {**form, "file": (io.BytesIO(content), filename)}
    return client.post(
        f"/api/v1/meetings/{meeting_id}/documents",
        data=data,
        headers=headers,
        content_type="multipart/form-data",
    )


def test_upload_list_and_download_round_trip(
    client: FlaskClient, headers: dict[str, str], folder: Path
) -> None:
    meeting = f.meeting()
    dossier = documents.store_document(
        meeting,
        kind=DocumentKind.DOSSIER,
        title="Dossier de séance",
        filename="dossier.pdf",
        content=m.SAMPLE_PDF,
        folder=folder,
    )
    db.session.commit()
    response = _upload(client, headers, meeting.id, m.SAMPLE_ODT, "budget.odt", title="Budget prévisionnel")
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert (
        created["title"] == "Budget prévisionnel" and created["kind"] == "piece" and created["version"] == 1
    )
    assert created["sha256"] == hashlib.sha256(m.SAMPLE_ODT).hexdigest() and created["size"] == len(
        m.SAMPLE_ODT
    )
    assert response.headers["Location"] == created["url"]
    assert created["url"] == f"/api/v1/meetings/{meeting.id}/documents/{created['id']}"
    second = _upload(client, headers, meeting.id, m.SAMPLE_PNG, "carte.png").get_json()
    assert second["title"] == "carte.png"

    listed = client.get(f"/api/v1/meetings/{meeting.id}/documents", headers=headers).get_json()
    assert [(d["kind"], d["title"]) for d in listed] == [
        ("dossier", "Dossier de séance"),
        ("piece", "Budget prévisionnel"),
        ("piece", "carte.png"),
    ]
    assert listed[0]["id"] == dossier.id and listed[0]["version"] == 1 and listed[1] == created
    download = client.get(created["url"], headers=headers)
    assert download.status_code == 200 and download.data == m.SAMPLE_ODT
    assert download.mimetype == "application/vnd.oasis.opendocument.text"
    assert download.headers["Content-Disposition"] == "attachment; filename=budget.odt"
    # What the pages list is what the API lists.
    assert [d.id for d in documents.current_documents(meeting.id)] == [d["id"] for d in listed]


@pytest.mark.parametrize(
    ("content", "filename", "title", "field", "message"),
    [
        (b"", "vide.pdf", "", "file", "Le fichier est vide."),
        (m.SAMPLE_PDF, "virus.exe", "", "file", "Type de fichier refusé"),
        (b"%PDF-" + b"x" * 5000, "gros.pdf", "", "file", "Fichier trop volumineux"),
        (b"<html></html>", "page.pdf", "", "file", "ne correspond pas à son extension .pdf"),
        (m.SAMPLE_PDF, "note.pdf", "T" * 301, "title", "Le titre dépasse 300 caractères."),
    ],
)
def test_bad_uploads_are_422_on_their_field(
    client: FlaskClient,
    headers: dict[str, str],
    folder: Path,
    content: bytes,
    filename: str,
    title: str,
    field: str,
    message: str,
) -> None:
    meeting = f.meeting()
    db.session.commit()
    response = _upload(client, headers, meeting.id, content, filename, title=title)
    assert response.status_code == 422
    body = response.get_json()
    assert message in body["errors"]["form"][field][0] and body["message"]
    assert _count() == 0 and not list(folder.rglob("*.*"))


def test_no_file_unknown_ids_and_state(client: FlaskClient, headers: dict[str, str], folder: Path) -> None:
    meeting, other = f.meeting(), f.meeting(title="Autre")
    piece = m.piece(other, folder)
    db.session.commit()
    url = f"/api/v1/meetings/{meeting.id}/documents"
    response = client.post(url, data={"title": "x"}, headers=headers, content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.get_json()["errors"]["form"]["file"] == ["Choisissez un fichier."]
    response = client.post(url, json={"title": "x"}, headers=headers)
    assert response.status_code == 422
    assert client.get(f"{url}/{piece.id}", headers=headers).status_code == 404
    response = client.get("/api/v1/meetings/999999/documents", headers=headers)
    assert (
        response.status_code == 404
        and response.get_json()["message"] == "Aucune réunion n'a l'identifiant 999999."
    )
    assert _upload(client, headers, 999_999, m.SAMPLE_PDF, "note.pdf").status_code == 404
    meeting.status = MeetingStatus.ANNULEE
    db.session.commit()
    response = _upload(client, headers, meeting.id, m.SAMPLE_PDF, "note.pdf")
    assert response.status_code == 409 and "« Annulée »" in response.get_json()["message"]
    assert _count() == 1


def test_lecteur_reads_but_cannot_upload(
    client: FlaskClient, api_token: Callable[..., str], folder: Path
) -> None:
    meeting = f.meeting()
    piece = m.piece(meeting, folder)
    db.session.commit()
    reader = bearer(api_token(UserRole.LECTEUR))
    listed = client.get(f"/api/v1/meetings/{meeting.id}/documents", headers=reader).get_json()
    assert [d["id"] for d in listed] == [piece.id]
    assert client.get(listed[0]["url"], headers=reader).data == m.SAMPLE_PDF
    response = _upload(client, reader, meeting.id, m.SAMPLE_PDF, "note.pdf")
    assert response.status_code == 403 and response.get_json()["message"].startswith(
        "Cette opération demande"
    )
    assert client.get(f"/api/v1/meetings/{meeting.id}/documents").status_code == 401
    assert _count() == 1


def test_documented_in_openapi(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    upload = paths["/api/v1/meetings/{meeting_id}/documents"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"201", "403", "409", "422"} <= set(upload["responses"])
    download = paths["/api/v1/meetings/{meeting_id}/documents/{document_id}"]["get"]
    assert "*/*" in download["responses"]["200"]["content"]
