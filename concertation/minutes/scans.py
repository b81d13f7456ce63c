"""Scans of the signed attendance sheet: PDF, JPEG or PNG, stored under the instance folder.

The stored name is random and the type is read from the file's first bytes, not from its name or the
browser's word; the name given by the browser is only shown. Only organisers download them (routes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from werkzeug.utils import secure_filename

from concertation.accounts.models import User
from concertation.core.numbers import format_size
from concertation.core.uploads import store_bytes, stored_path
from concertation.extensions import db
from concertation.meetings.models import Meeting
from concertation.minutes.exceptions import InvalidInput
from concertation.minutes.models import AttendanceScan

DEFAULT_MAX_BYTES = 15 * 1024 * 1024
# First bytes -> (extension, content type).
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "pdf", "application/pdf"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
)
EXTENSIONS = frozenset({"pdf", "jpg", "jpeg", "png"})


@dataclass(frozen=True)
class ScanSettings:
    folder: Path
    max_bytes: int = DEFAULT_MAX_BYTES

    @classmethod
    def from_config(cls, config: Mapping[str, Any], instance_path: str) -> ScanSettings:
        """MINUTES_SCANS_DIR (the `emargements` folder of the instance) and MINUTES_SCAN_MAX_BYTES."""
        folder = config.get("MINUTES_SCANS_DIR") or Path(instance_path) / "emargements"
        return cls(Path(folder), int(config.get("MINUTES_SCAN_MAX_BYTES", DEFAULT_MAX_BYTES)))


def add_scan(
    meeting: Meeting, *, filename: str, stream: IO[bytes], settings: ScanSettings, user: User | None = None
) -> AttendanceScan:
    """Store the scan of the signed sheet; the caller commits (the file is written before)."""
    safe_name = secure_filename(filename or "")[:200] or "emargement"
    extension = safe_name.rsplit(".", 1)[-1].lower() if "." in safe_name else ""
    if not filename:
        raise InvalidInput({"file": "Choisissez un fichier."}, "Scan non enregistré")
    if extension not in EXTENSIONS:
        raise InvalidInput({"file": "Formats acceptés : PDF, JPEG ou PNG."}, "Scan non enregistré")
    content = stream.read(settings.max_bytes + 1)
    if not content:
        raise InvalidInput({"file": "Le fichier est vide."}, "Scan non enregistré")
    if len(content) > settings.max_bytes:
        raise InvalidInput(
            {"file": f"Fichier trop volumineux : {format_size(settings.max_bytes)} au maximum."},
            "Scan non enregistré",
        )
    detected = next(((ext, ctype) for magic, ext, ctype in SIGNATURES if content.startswith(magic)), None)
    if detected is None:
        raise InvalidInput(
            {"file": "Ce fichier n'est ni un PDF, ni une image JPEG ou PNG."}, "Scan non enregistré"
        )
    stored_name = store_bytes(settings.folder, meeting.id, detected[0], content)
    scan = AttendanceScan(
        meeting_id=meeting.id,
        filename=safe_name,
        stored_name=stored_name,
        content_type=detected[1],
        size=len(content),
        uploaded_by=user,
    )
    db.session.add(scan)
    db.session.flush()
    return scan


def scan_path(settings: ScanSettings, scan: AttendanceScan) -> Path:
    return stored_path(settings.folder, scan.meeting_id, scan.stored_name)
