"""The pieces attached to a meeting: the checks of the contract documents and of the bytes, order, titles,
deletion of the file, and the Documents panel of the meeting page (organiser writes, lecteur reads)."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from concertation.accounts.models import User, UserRole
from concertation.core.uploads import UploadRules, content_matches
from concertation.extensions import db
from concertation.meetings import documents
from concertation.meetings.exceptions import DocumentRefused, InvalidDocument, MeetingNotEditable
from concertation.meetings.models import DocumentKind, MeetingDocument, MeetingStatus
from concertation.meetings.services import cancel_meeting
from tests.common import db as f
from tests.common.db import meetings as m
from tests.common.http import csrf_token

pytestmark = pytest.mark.usefixtures("lozere")
Login = Callable[..., User]


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(MeetingDocument)) or 0


def _text(response: Any) -> str:
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(response.get_data(as_text=True)))


def _add(meeting: Any, folder: Path, content: bytes, filename: str, title: str = "", **rules: Any) -> Any:
    return documents.add_piece(
        meeting,
        title=title,
        filename=filename,
        stream=io.BytesIO(content),
        folder=folder,
        rules=UploadRules(**rules),
    )


# Services ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "filename", "title", "field", "message"),
    [
        (b"", "", "", "file", "Choisissez un fichier."),
        (b"", "vide.pdf", "", "file", "Le fichier est vide."),
        (m.SAMPLE_PDF, "script.exe", "", "file", "Type de fichier refusé : formats acceptés"),
        (m.SAMPLE_PDF, "sans-extension", "", "file", "Type de fichier refusé"),
        (b"x" * 2001, "gros.pdf", "", "file", "Fichier trop volumineux : 2,0\u00a0ko au maximum."),
        (b"<html>pas un pdf</html>", "faux.pdf", "", "file", "ne correspond pas à son extension .pdf"),
        (m.SAMPLE_PDF, "image.png", "", "file", "ne correspond pas à son extension .png"),
        (m.SAMPLE_DOCX, "tableur.odt", "", "file", "ne correspond pas à son extension .odt"),
        (b"a\x00b", "notes.txt", "", "file", "ne correspond pas à son extension .txt"),
        (m.SAMPLE_PDF, "note.pdf", "T" * 301, "title", "Le titre dépasse 300 caractères."),
    ],
)
def test_every_bad_upload_is_refused_with_its_field_and_nothing_written(
    tmp_path: Path, content: bytes, filename: str, title: str, field: str, message: str
) -> None:
    meeting = f.meeting()
    with pytest.raises(InvalidDocument) as refused:
        _add(meeting, tmp_path, content, filename, title, max_bytes=2000)
    assert message in refused.value.errors[field]
    assert str(refused.value).startswith("Document non enregistré : ")
    assert _count() == 0 and not list(tmp_path.rglob("*.*"))


def test_pieces_are_stored_in_order_with_digest_and_safe_name(tmp_path: Path) -> None:
    meeting = f.meeting()
    first = _add(meeting, tmp_path, m.SAMPLE_PDF, "../../Note de synthèse.pdf")
    second = _add(meeting, tmp_path, m.SAMPLE_ODT, "budget.odt", "Budget prévisionnel")
    third = _add(meeting, tmp_path, m.SAMPLE_PNG, "carte.PNG", "Carte du secteur")
    db.session.commit()
    assert first.title == first.filename == "Note_de_synthese.pdf"
    assert (first.kind, first.version, second.version, third.version) == (DocumentKind.PIECE, 1, 2, 3)
    assert first.content_type == "application/pdf" and third.content_type == "image/png"
    path = documents.document_path(tmp_path, first)
    assert path.read_bytes() == m.SAMPLE_PDF and path.name != first.filename
    assert first.size == len(m.SAMPLE_PDF) and len(first.sha256) == 64
    assert documents.current_documents(meeting.id) == [first, second, third]


def test_move_retitle_and_delete(tmp_path: Path) -> None:
    meeting = f.meeting()
    a, b, c = (m.piece(meeting, tmp_path, title=t) for t in ("A", "B", "C"))
    db.session.commit()
    documents.move_piece(c, -1)
    assert [d.title for d in documents.current_documents(meeting.id)] == ["A", "C", "B"]
    documents.move_piece(a, -1)  # already first: nothing moves
    documents.move_piece(b, 1)  # already last
    documents.move_piece(a, 1)
    assert [d.title for d in documents.current_documents(meeting.id)] == ["C", "A", "B"]
    documents.retitle_piece(a, "  Annexe financière ")
    assert a.title == "Annexe financière"
    for bad, message in (("  ", "Le titre est obligatoire."), ("x" * 301, "Le titre dépasse 300")):
        with pytest.raises(InvalidDocument) as refused:
            documents.retitle_piece(a, bad)
        assert message in refused.value.errors["title"]
    path = documents.delete_piece(b, tmp_path)
    db.session.commit()
    path.unlink()
    assert [d.title for d in documents.current_documents(meeting.id)] == ["C", "Annexe financière"]
    assert not documents.document_path(tmp_path, b).exists()


def test_dossier_versions_are_never_changed_and_held_meetings_are_closed(tmp_path: Path) -> None:
    meeting = f.meeting()
    dossier = documents.store_document(
        meeting,
        kind=DocumentKind.DOSSIER,
        title="Dossier de séance",
        filename="dossier.pdf",
        content=m.SAMPLE_PDF,
        folder=tmp_path,
    )
    piece = m.piece(meeting, tmp_path)
    db.session.commit()
    for action in (
        lambda: documents.delete_piece(dossier, tmp_path),
        lambda: documents.retitle_piece(dossier, "Autre"),
        lambda: documents.move_piece(dossier, 1),
    ):
        with pytest.raises(DocumentRefused, match="jamais modifiée ni supprimée"):
            action()
    assert documents.current_documents(meeting.id) == [dossier, piece]
    cancel_meeting(meeting)
    db.session.commit()
    with pytest.raises(MeetingNotEditable, match="« Annulée » : elle ne peut plus être modifiée"):
        _add(meeting, tmp_path, m.SAMPLE_PDF, "tard.pdf")
    with pytest.raises(MeetingNotEditable):
        documents.delete_piece(piece, tmp_path)


def test_settings_default_to_those_of_the_contracts() -> None:
    from concertation.contracts.settings import document_rules as contract_rules

    assert documents.document_rules({}) == contract_rules({})
    rules = documents.document_rules(
        {"MEETING_DOCUMENT_MAX_BYTES": "2048", "MEETING_DOCUMENT_EXTENSIONS": ".PDF, odt"}
    )
    assert rules == UploadRules(2048, frozenset({"pdf", "odt"}))
    assert content_matches("xlsx", m.SAMPLE_DOCX) and content_matches("svg", b"<svg/>")


# Pages -------------------------------------------------------------------------------------------------


@pytest.fixture()
def folder(app: Flask, tmp_path: Path) -> Path:
    app.config.update(MEETING_DOCUMENTS_DIR=str(tmp_path), MEETING_DOCUMENT_MAX_BYTES=5000)
    return tmp_path


def _upload(client: FlaskClient, meeting_id: int, content: bytes, filename: str, title: str = "") -> Any:
    page = f"/reunions/{meeting_id}"
    data = {"title": title, "file": (io.BytesIO(content), filename), "csrf_token": csrf_token(client, page)}
    return client.post(
        f"/reunions/{meeting_id}/documents/nouveau", data=data, content_type="multipart/form-data"
    )


def _post(client: FlaskClient, url: str, meeting_id: int, **data: str) -> Any:
    return client.post(url, data={**data, "csrf_token": csrf_token(client, f"/reunions/{meeting_id}")})


def test_upload_reload_download_order_and_delete(client: FlaskClient, login: Login, folder: Path) -> None:
    meeting = f.meeting()
    db.session.commit()
    login()
    response = _upload(client, meeting.id, m.SAMPLE_PDF, "note.pdf", "Note de présentation")
    assert response.status_code == 303 and response.headers["Location"].endswith(
        f"/reunions/{meeting.id}#documents"
    )
    assert _upload(client, meeting.id, m.SAMPLE_ODT, "budget.odt", "Budget").status_code == 303
    page = _text(client.get(f"/reunions/{meeting.id}"))
    assert "Document ajouté." in page
    assert page.index("Note de présentation") < page.index("Budget")
    note, budget = documents.current_documents(meeting.id)
    download = client.get(f"/reunions/{meeting.id}/documents/{note.id}")
    assert download.status_code == 200 and download.data == m.SAMPLE_PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"] == "attachment; filename=note.pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"

    url = f"/reunions/{meeting.id}/documents/{budget.id}"
    assert _post(client, f"{url}/deplacement", meeting.id, direction="haut").status_code == 303
    page = _text(client.get(f"/reunions/{meeting.id}"))
    assert page.index("Budget") < page.index("Note de présentation")
    assert _post(client, f"{url}/titre", meeting.id, title="Budget 2027").status_code == 303
    assert "Budget 2027" in _text(client.get(f"/reunions/{meeting.id}"))
    stored = documents.document_path(folder, budget)
    assert stored.is_file()
    response = _post(client, f"{url}/suppression", meeting.id)
    assert response.status_code == 303
    page = _text(client.get(f"/reunions/{meeting.id}"))
    assert "Document « Budget 2027 » retiré." in page
    assert not stored.exists() and _count() == 1
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("content", "filename", "title", "message"),
    [
        (b"", "vide.pdf", "", "Le fichier est vide."),
        (m.SAMPLE_PDF, "virus.exe", "", "Type de fichier refusé"),
        (b"%PDF-" + b"x" * 5000, "gros.pdf", "", "Fichier trop volumineux"),
        (b"GIF89a", "image.pdf", "", "ne correspond pas à son extension .pdf"),
        (m.SAMPLE_PDF, "note.pdf", "T" * 301, "300 caractères au maximum."),
    ],
)
def test_bad_uploads_show_the_form_again_with_the_field(
    client: FlaskClient, login: Login, folder: Path, content: bytes, filename: str, title: str, message: str
) -> None:
    meeting = f.meeting()
    db.session.commit()
    login()
    response = _upload(client, meeting.id, content, filename, title)
    assert response.status_code == 422
    page = _text(response)
    assert message in page and "Rien n'a été enregistré" in page
    assert _count() == 0 and not list(folder.rglob("*.*"))


def test_form_without_file_or_token_and_foreign_ids(client: FlaskClient, login: Login, folder: Path) -> None:
    meeting, other = f.meeting(), f.meeting(title="Autre")
    piece = m.piece(other, folder, title="Pièce de l'autre réunion")
    db.session.commit()
    login()
    assert client.get(f"/reunions/{meeting.id}/documents/nouveau").status_code == 200
    token = csrf_token(client, f"/reunions/{meeting.id}")
    response = client.post(
        f"/reunions/{meeting.id}/documents/nouveau", data={"title": "x", "csrf_token": token}
    )
    assert response.status_code == 422 and "Choisissez un fichier." in _text(response)
    # Without the CSRF token, the app refuses the request before any view (Flask-WTF's CSRFProtect).
    response = client.post(f"/reunions/{meeting.id}/documents/nouveau", data={"title": "x"})
    assert response.status_code == 400 and _count() == 1
    base = f"/reunions/{meeting.id}/documents/{piece.id}"
    assert client.get(base).status_code == 404
    for action in ("titre", "deplacement", "suppression"):
        assert _post(client, f"{base}/{action}", meeting.id, title="x", direction="bas").status_code == 404
    assert client.post(f"/reunions/{other.id}/documents/{piece.id}/suppression").status_code == 400
    assert _count() == 1  # no token: nothing removed
    assert client.get("/reunions/999999/documents/nouveau").status_code == 404
    response = _post(client, f"/reunions/{other.id}/documents/{piece.id}/titre", other.id, title="  ")
    assert "Titre : Le titre est obligatoire." in _text(client.get(f"/reunions/{other.id}"))
    assert response.status_code == 303 and piece.title == "Pièce de l'autre réunion"


def test_lecteur_downloads_but_cannot_write(client: FlaskClient, login: Login, folder: Path) -> None:
    meeting = f.meeting()
    piece = m.piece(meeting, folder)
    db.session.commit()
    login(UserRole.LECTEUR)
    page = _text(client.get(f"/reunions/{meeting.id}"))
    assert "Note de présentation" in page and "Joindre un document" not in page and "Retirer" not in page
    assert client.get(f"/reunions/{meeting.id}/documents/{piece.id}").data == m.SAMPLE_PDF
    base = f"/reunions/{meeting.id}/documents"
    assert client.get(f"{base}/nouveau").status_code == 403
    for action in ("titre", "deplacement", "suppression"):
        assert _post(client, f"{base}/{piece.id}/{action}", meeting.id, title="x").status_code == 403
    assert _count() == 1


def test_a_held_meeting_keeps_its_documents(client: FlaskClient, login: Login, folder: Path) -> None:
    meeting = f.meeting()
    piece = m.piece(meeting, folder)
    meeting.status = MeetingStatus.TENUE
    db.session.commit()
    login()
    page = _text(client.get(f"/reunions/{meeting.id}"))
    assert "Note de présentation" in page and "Joindre un document" not in page
    response = _upload(client, meeting.id, m.SAMPLE_PDF, "tard.pdf")
    assert response.status_code == 303
    assert "« Tenue » : elle ne peut plus être modifiée" in _text(client.get(f"/reunions/{meeting.id}"))
    _post(client, f"/reunions/{meeting.id}/documents/{piece.id}/suppression", meeting.id)
    assert _count() == 1 and documents.document_path(folder, piece).is_file()


def test_the_panel_shows_the_latest_dossier_first_without_write_buttons(
    client: FlaskClient, login: Login, folder: Path
) -> None:
    meeting = f.meeting()
    for version in (1, 2):
        documents.store_document(
            meeting,
            kind=DocumentKind.DOSSIER,
            title="Dossier de séance",
            filename=f"dossier-v{version}.pdf",
            content=m.SAMPLE_PDF,
            folder=folder,
        )
    m.piece(meeting, folder, title="Carte du secteur", filename="carte.png", content=m.SAMPLE_PNG)
    db.session.commit()
    login()
    whole = _text(client.get(f"/reunions/{meeting.id}"))
    # The Documents panel gives what the invitees get; the dossier's own panel lists every version.
    page = whole[whole.index('<section id="documents"') :]
    page = page[: page.index("</section>")]
    assert "dossier de séance, version 2, dossier-v2.pdf" in page and "dossier-v1.pdf" not in page
    assert "dossier-v1.pdf" in whole[whole.index('<section id="dossier"') :]
    assert page.index("Dossier de séance") < page.index("Carte du secteur")
    assert page.count(">Renommer</button>") == 1 and page.count('data-confirm="Retirer le document') == 1
