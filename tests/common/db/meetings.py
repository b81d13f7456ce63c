"""Meeting factories: meetings created through the service, at Paris times."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path

from concertation.core.timeutils import PARIS
from concertation.core.uploads import UploadRules
from concertation.meetings.documents import add_piece
from concertation.meetings.models import Meeting, MeetingDocument
from concertation.meetings.services import MeetingInput, create_meeting


def paris(year: int, month: int, day: int, hour: int = 14, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def meeting(
    kind: str = "concertation",
    *,
    siren: str | None = "244800470",
    town: str | None = None,
    starts_at: datetime | None = None,
    hours: int = 3,
    purpose: str | None = None,
    title: str = "Concertation",
    now: datetime | None = None,
) -> Meeting:
    start = starts_at or paris(2027, 3, 9)
    if kind == "rendez_vous":
        siren = None
    created = create_meeting(
        MeetingInput(
            kind=kind,
            title=title,
            starts_at=start,
            ends_at=start + timedelta(hours=hours),
            purpose=purpose if purpose is not None else ("diagnostic" if kind == "concertation" else ""),
            sector_town=town,
            intercommunality_siren=siren,
            location_name="Salle des fêtes",
            agenda=["Accueil", "Diagnostic du territoire"],
        ),
        None,
        now=now or paris(2026, 11, 1),
    )
    return created


# The first bytes of real files of each kind: the upload checks read them.
SAMPLE_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
SAMPLE_PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 17
SAMPLE_ODT = b"PK\x03\x04" + b"\x00" * 26 + b"mimetypeapplication/vnd.oasis.opendocument.text" + b"\x00" * 20
SAMPLE_DOCX = b"PK\x03\x04" + b"\x14\x00\x06\x00" + b"\x00" * 40


def piece(
    meeting: Meeting,
    folder: Path,
    *,
    title: str = "Note de présentation",
    filename: str = "note.pdf",
    content: bytes = SAMPLE_PDF,
) -> MeetingDocument:
    """A piece attached through the service (its file written under `folder`)."""
    return add_piece(
        meeting,
        title=title,
        filename=filename,
        stream=io.BytesIO(content),
        folder=folder,
        rules=UploadRules(),
    )
