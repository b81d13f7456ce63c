"""The files of a meeting's documents: stored under the instance folder with generated names, never edited.

A dossier version (generated, dossiers/) and an attached piece (uploaded) are stored the same way: the
bytes are written once under a random name, their SHA-256 and size recorded with the row. Which name
the file is downloaded under (`filename`) is only shown, so a name given by a browser can neither reach
outside the folder nor overwrite another file.
"""

from __future__ import annotations

import hashlib
import mimetypes
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from concertation.accounts.models import User
from concertation.extensions import db
from concertation.meetings.models import DocumentKind, Meeting, MeetingDocument


def documents_folder(config: Mapping[str, Any], instance_path: str) -> Path:
    """MEETING_DOCUMENTS_DIR, by default the `reunions` folder of the instance."""
    configured = config.get("MEETING_DOCUMENTS_DIR")
    return Path(configured) if configured else Path(instance_path) / "reunions"


def document_path(folder: Path, document: MeetingDocument) -> Path:
    """Where the document's bytes are stored."""
    return folder / str(document.meeting_id) / document.stored_name


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
    stored_name = f"{uuid.uuid4().hex}.{extension}"
    target = folder / str(meeting.id)
    target.mkdir(parents=True, exist_ok=True)
    (target / stored_name).write_bytes(content)
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


def dossier_versions(meeting_id: int) -> list[MeetingDocument]:
    """Every generated version of the meeting's dossier, newest first (all are kept)."""
    return list(
        db.session.scalars(
            select(MeetingDocument)
            .where(MeetingDocument.meeting_id == meeting_id, MeetingDocument.kind == DocumentKind.DOSSIER)
            .order_by(MeetingDocument.version.desc())
        )
    )
