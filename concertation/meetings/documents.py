"""The files of a meeting's documents: stored under the instance folder with generated names, never edited.

A dossier version (generated, dossiers/) and an attached piece (uploaded) are stored the same way: the
bytes are written once under a random name, their SHA-256 and size recorded with the row. Which name
the file is downloaded under (`filename`) is only shown, so a name given by a browser can neither reach
outside the folder nor overwrite another file.
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from flask import Response, current_app, send_file
from sqlalchemy import func, select

from concertation.accounts.models import User
from concertation.core.uploads import (
    MAX_TITLE,
    UploadRules,
    check_upload,
    store_bytes,
    stored_path,
    upload_rules,
)
from concertation.extensions import db
from concertation.meetings.exceptions import DocumentRefused, InvalidDocument, MeetingNotEditable
from concertation.meetings.models import DocumentKind, Meeting, MeetingDocument


def documents_folder(config: Mapping[str, Any], instance_path: str) -> Path:
    """MEETING_DOCUMENTS_DIR, by default the `reunions` folder of the instance."""
    configured = config.get("MEETING_DOCUMENTS_DIR")
    return Path(configured) if configured else Path(instance_path) / "reunions"


def app_documents_folder() -> Path:
    """The documents folder of the running app: what the pages, the invitees' links and the API read."""
    return documents_folder(current_app.config, current_app.instance_path)


def document_rules(config: Mapping[str, Any]) -> UploadRules:
    """MEETING_DOCUMENT_MAX_BYTES and MEETING_DOCUMENT_EXTENSIONS; by default those of the contracts."""
    return upload_rules(config, "MEETING_DOCUMENT")


def document_path(folder: Path, document: MeetingDocument) -> Path:
    """Where the document's bytes are stored."""
    return stored_path(folder, document.meeting_id, document.stored_name)


def store_document(
    meeting: Meeting,
    *,
    kind: DocumentKind,
    title: str,
    filename: str,
    content: bytes,
    folder: Path,
    user: User | None = None,
) -> MeetingDocument:
    """Write `content` and add its row (flushed, not committed): the next version of its kind, last in order.

    `filename` must already be safe (werkzeug's secure_filename) and carry its extension. Two writers of
    the same meeting may race for a version number: the unique (meeting, kind, version) refuses the second
    at commit (IntegrityError), and its file stays as an orphan under a random name, never served.
    """
    version = (
        db.session.scalar(
            select(func.max(MeetingDocument.version)).where(
                MeetingDocument.meeting_id == meeting.id, MeetingDocument.kind == kind
            )
        )
        or 0
    ) + 1
    position = (
        db.session.scalar(
            select(func.max(MeetingDocument.position)).where(MeetingDocument.meeting_id == meeting.id)
        )
        or 0
    ) + 1
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    stored_name = store_bytes(folder, meeting.id, extension, content)
    document = MeetingDocument(
        meeting_id=meeting.id,
        kind=kind,
        version=version,
        position=position,
        title=title,
        filename=filename,
        stored_name=stored_name,
        content_type=mimetypes.guess_type(filename)[0] or "application/octet-stream",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        created_by=user,
    )
    db.session.add(document)
    db.session.flush()
    return document


def current_documents(meeting_id: int) -> list[MeetingDocument]:
    """What the invitees are given: the latest dossier version first, then the pieces in their order."""
    documents = db.session.scalars(
        select(MeetingDocument)
        .where(MeetingDocument.meeting_id == meeting_id)
        .order_by(MeetingDocument.kind, MeetingDocument.version.desc())
    ).all()
    dossiers = [d for d in documents if d.kind is DocumentKind.DOSSIER][:1]
    pieces = sorted((d for d in documents if d.kind is DocumentKind.PIECE), key=lambda d: (d.position, d.id))
    return dossiers + pieces


def dossier_version(meeting_id: int, version: int) -> MeetingDocument | None:
    """One version of the meeting's dossier, or None."""
    return db.session.scalars(
        select(MeetingDocument).where(
            MeetingDocument.meeting_id == meeting_id,
            MeetingDocument.kind == DocumentKind.DOSSIER,
            MeetingDocument.version == version,
        )
    ).first()


# Shown in the browser rather than downloaded: formats a browser displays without running anything.
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})


def document_response(
    document: MeetingDocument, folder: Path, *, inline_types: frozenset[str] = frozenset()
) -> Response | None:
    """The document's bytes for a browser, or None when its file is missing.

    Text, HTML and XML go as application/octet-stream: an uploaded page must never be rendered under the
    service's address. The SHA-256 is the ETag, and every request is checked again (`no-cache`): an
    invitee removed from the list, or an organiser who lost the role, gets no copy kept on the way.
    """
    path = document_path(folder, document)
    if not path.is_file():
        return None
    mimetype = document.content_type
    if mimetype.startswith("text/") or "html" in mimetype or mimetype.endswith(("+xml", "/xml")):
        mimetype = "application/octet-stream"
    response = send_file(
        path,
        mimetype=mimetype,
        as_attachment=document.content_type not in inline_types,
        download_name=document.filename,
        etag=document.sha256,
        conditional=True,
    )
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def dossier_versions(meeting_id: int) -> list[MeetingDocument]:
    """Every generated version of the meeting's dossier, newest first (all are kept)."""
    return list(
        db.session.scalars(
            select(MeetingDocument)
            .where(MeetingDocument.meeting_id == meeting_id, MeetingDocument.kind == DocumentKind.DOSSIER)
            .order_by(MeetingDocument.version.desc())
        )
    )


# Attached pieces ---------------------------------------------------------------------------------------


def _check_editable(meeting: Meeting) -> None:
    # The same rule as the meeting's own details: once held or cancelled, what was given stays.
    if not meeting.is_editable:
        raise MeetingNotEditable(meeting.status.label)


def _check_piece(document: MeetingDocument) -> None:
    if document.kind is not DocumentKind.PIECE:
        raise DocumentRefused(
            "Une version du dossier de séance n'est jamais modifiée ni supprimée : générez-en une nouvelle."
        )
    _check_editable(document.meeting)


def add_piece(
    meeting: Meeting,
    *,
    title: str,
    filename: str | None,
    stream: IO[bytes],
    folder: Path,
    rules: UploadRules,
    user: User | None = None,
) -> MeetingDocument:
    """Attach an uploaded file, last of the pieces; the caller commits.

    The checks of the contract documents, and the first bytes must match the extension (a .pdf starts
    with %PDF). Raises InvalidDocument (field -> message) or MeetingNotEditable; nothing is written then.
    """
    _check_editable(meeting)
    upload = check_upload(filename, stream, title, rules, check_content=True)
    if upload.errors:
        raise InvalidDocument(upload.errors)
    return store_document(
        meeting,
        kind=DocumentKind.PIECE,
        title=upload.title,
        filename=upload.filename,
        content=upload.content,
        folder=folder,
        user=user,
    )


def retitle_piece(document: MeetingDocument, title: str) -> None:
    """Give the piece another title (its file stays); the caller commits."""
    _check_piece(document)
    title = title.strip()
    if not title:
        raise InvalidDocument({"title": "Le titre est obligatoire."})
    if len(title) > MAX_TITLE:
        raise InvalidDocument({"title": f"Le titre dépasse {MAX_TITLE} caractères."})
    document.title = title
    db.session.flush()


def pieces(meeting_id: int) -> list[MeetingDocument]:
    """The pieces of the meeting, in their order."""
    return list(
        db.session.scalars(
            select(MeetingDocument)
            .where(MeetingDocument.meeting_id == meeting_id, MeetingDocument.kind == DocumentKind.PIECE)
            .order_by(MeetingDocument.position, MeetingDocument.id)
        )
    )


def move_piece(document: MeetingDocument, offset: int) -> None:
    """Move the piece one place up (-1) or down (+1) among the pieces; nothing at either end."""
    _check_piece(document)
    ordered = pieces(document.meeting_id)
    index = ordered.index(document)
    target = index + (1 if offset > 0 else -1)
    if not 0 <= target < len(ordered):
        return
    ordered[index], ordered[target] = ordered[target], ordered[index]
    # Numbered again from the lowest position: equal positions (two uploads at once) end in a clear order.
    first = min(d.position for d in ordered)
    for number, piece in enumerate(ordered):
        piece.position = first + number
    db.session.flush()


def delete_piece(document: MeetingDocument, folder: Path) -> Path:
    """Remove the piece; returns its file, for the caller to delete once committed.

    Dossier versions are never deleted (DocumentRefused): what was sent can always be shown again.
    """
    _check_piece(document)
    path = document_path(folder, document)
    db.session.delete(document)
    db.session.flush()
    return path
