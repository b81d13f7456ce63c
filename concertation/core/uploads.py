"""The checks every uploaded document goes through, whichever domain keeps it (contracts, meetings).

An upload is refused, with a French message on the field it is about, when no file is chosen, when its
extension is not among the configured ones, when it is empty or larger than the limit, when its title
is too long and, if asked, when its first bytes contradict its extension. Only the name made safe by
werkzeug is kept, to be shown. The bytes are stored once, under a random name in a folder per owner (a
contract, a meeting: `store_bytes`, `stored_path`); which folder is the domain's business.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.utils import secure_filename

from concertation.core.numbers import format_number, format_size

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_EXTENSIONS = "pdf,odt,ods,odp,doc,docx,xls,xlsx,csv,txt,png,jpg,jpeg"
# Longest title (the columns are String(300)).
MAX_TITLE = 300

_ZIP = (b"PK\x03\x04",)
_OLE2 = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
# Extension -> the ways its file may start. An extension missing here is not checked.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "docx": _ZIP,
    "xlsx": _ZIP,
    "pptx": _ZIP,
    "odt": _ZIP,
    "ods": _ZIP,
    "odp": _ZIP,
    "doc": _OLE2,
    "xls": _OLE2,
    "ppt": _OLE2,
}
# An OpenDocument file stores its type first, uncompressed, at byte 30: a .odt must say it is a text.
OPENDOCUMENT = {
    "odt": b"mimetypeapplication/vnd.oasis.opendocument.text",
    "ods": b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet",
    "odp": b"mimetypeapplication/vnd.oasis.opendocument.presentation",
}
# Text formats hold no NUL byte; the first block tells.
TEXT_EXTENSIONS = frozenset({"csv", "txt"})


@dataclass(frozen=True)
class UploadRules:
    """What a domain accepts: the largest size in bytes and the extensions (lower case, no dot)."""

    max_bytes: int = DEFAULT_MAX_BYTES
    extensions: frozenset[str] = field(default_factory=lambda: frozenset(DEFAULT_EXTENSIONS.split(",")))


def upload_rules(config: Mapping[str, Any], prefix: str) -> UploadRules:
    """`<prefix>_MAX_BYTES` (10 Mio) and `<prefix>_EXTENSIONS` (comma-separated, case and dots ignored)."""
    configured = config.get(f"{prefix}_EXTENSIONS", DEFAULT_EXTENSIONS)
    if isinstance(configured, str):
        configured = configured.split(",")
    return UploadRules(
        max_bytes=int(config.get(f"{prefix}_MAX_BYTES", DEFAULT_MAX_BYTES)),
        extensions=frozenset(e.strip().lower().lstrip(".") for e in configured if e.strip()),
    )


@dataclass(frozen=True)
class Upload:
    """A checked upload: the safe name to show, its extension, its bytes, its title, and the refusals."""

    filename: str
    extension: str
    content: bytes
    title: str
    errors: dict[str, str]


def content_matches(extension: str, content: bytes) -> bool:
    """Whether the first bytes may be those of a file of this extension (True when it cannot tell)."""
    if extension in TEXT_EXTENSIONS:
        return b"\x00" not in content[:8192]
    starts = SIGNATURES.get(extension)
    if starts is None:
        return True
    if not content.startswith(starts):
        return False
    kind = OPENDOCUMENT.get(extension)
    return kind is None or content[30 : 30 + len(kind)] == kind


def check_upload(
    filename: str | None,
    stream: IO[bytes],
    title: str,
    rules: UploadRules,
    *,
    check_content: bool = False,
) -> Upload:
    """Read at most the limit plus one byte of `stream` and check the file and its title.

    An empty title becomes the safe file name. `errors` maps "file" and "title" to French messages;
    nothing is read from a file whose extension is refused.
    """
    errors: dict[str, str] = {}
    safe_name = secure_filename(filename or "")[:200]
    extension = safe_name.rsplit(".", 1)[-1].lower() if "." in safe_name else ""
    content = b""
    if not filename:
        errors["file"] = "Choisissez un fichier."
    elif extension not in rules.extensions:
        allowed = ", ".join(sorted(rules.extensions))
        errors["file"] = f"Type de fichier refusé : formats acceptés {allowed}."
    else:
        content = stream.read(rules.max_bytes + 1)
        if not content:
            errors["file"] = "Le fichier est vide."
        elif len(content) > rules.max_bytes:
            errors["file"] = f"Fichier trop volumineux : {format_size(rules.max_bytes)} au maximum."
        elif check_content and not content_matches(extension, content):
            errors["file"] = f"Le contenu du fichier ne correspond pas à son extension .{extension}."
    title = title.strip() or safe_name
    if len(title) > MAX_TITLE:
        errors["title"] = f"Le titre dépasse {format_number(MAX_TITLE)} caractères."
    return Upload(safe_name, extension, content, title, errors)


class StoredFileColumns:
    """The columns of a row that stands for a file written by `store_bytes`: the name the browser gave
    (made safe, shown), the stored name, its type and size. A model mixes it in."""

    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]


def store_bytes(folder: Path, owner_id: int, extension: str, content: bytes) -> str:
    """Write `content` under `folder/<owner_id>/` with a new random name ending in `.extension`; returns
    that stored name. A name given by a browser thus never reaches the disk nor overwrites a file."""
    stored_name = f"{uuid.uuid4().hex}.{extension}"
    target = folder / str(owner_id)
    target.mkdir(parents=True, exist_ok=True)
    (target / stored_name).write_bytes(content)
    return stored_name


def stored_path(folder: Path, owner_id: int, stored_name: str) -> Path:
    """Where `store_bytes` wrote a file."""
    return folder / str(owner_id) / stored_name
