"""Reading the messages captured by the development SMTP catcher (one .eml file each)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from concertation.notifications.catcher import EML_SUFFIX

# What the catcher writes; anything else in the directory is ignored and cannot be requested.
NAME_PATTERN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]*\.eml$")
STAMP_PATTERN = re.compile(r"^(\d{8}T\d{12})Z")
MAX_LISTED = 500


class MessageNotFound(LookupError):
    """No captured message (or no part) by that name."""


@dataclass(frozen=True)
class MailSummary:
    """One line of the mailbox list."""

    name: str
    received_at: datetime
    sender: str
    recipients: str
    subject: str


@dataclass(frozen=True)
class Attachment:
    index: int
    filename: str
    content_type: str
    size: int


@dataclass
class CapturedMail:
    """A captured message, decoded for display."""

    summary: MailSummary
    headers: list[tuple[str, str]]
    text: str | None
    html: str | None
    attachments: list[Attachment] = field(default_factory=list)


def catcher_directory(configured: str | None) -> Path | None:
    """The catcher's directory when it exists (mail is captured), else None (mail goes to a real server)."""
    if not configured:
        return None
    path = Path(configured)
    return path if path.is_dir() else None


def message_names(directory: Path) -> list[str]:
    """Names of the stored messages, newest first (the file names sort by reception time)."""
    names = [
        entry.name
        for entry in directory.iterdir()
        if entry.name.endswith(EML_SUFFIX) and NAME_PATTERN.match(entry.name) and entry.is_file()
    ]
    return sorted(names, reverse=True)


def _resolve(directory: Path, name: str) -> Path:
    """The file for `name`, accepted only if it is one of the listed names: no path comes from the URL."""
    if not NAME_PATTERN.match(name) or name not in message_names(directory):
        raise MessageNotFound(name)
    return directory / name


def _received_at(path: Path) -> datetime:
    match = STAMP_PATTERN.match(path.name)
    if match:
        return datetime.strptime(match.group(1), "%Y%m%dT%H%M%S%f").replace(tzinfo=UTC)
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def _parse(path: Path, *, headers_only: bool) -> EmailMessage:
    with path.open("rb") as handle:
        message = BytesParser(policy=policy.default).parse(handle, headersonly=headers_only)
    assert isinstance(message, EmailMessage)
    return message


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError):  # a malformed header must not break the whole list
        return ""
    return str(value) if value is not None else ""


def _summary(path: Path, message: EmailMessage) -> MailSummary:
    return MailSummary(
        name=path.name,
        received_at=_received_at(path),
        sender=_header(message, "From"),
        recipients=_header(message, "To") or _header(message, "X-Envelope-To"),
        subject=_header(message, "Subject"),
    )


def list_messages(directory: Path, limit: int = MAX_LISTED) -> list[MailSummary]:
    """The newest `limit` messages, newest first, from their headers only."""
    return [
        _summary(directory / name, _parse(directory / name, headers_only=True))
        for name in message_names(directory)[:limit]
    ]


def _split(message: EmailMessage) -> tuple[EmailMessage | None, EmailMessage | None, list[EmailMessage]]:
    """(text body, HTML body, other leaf parts). The other parts include a text/calendar alternative,
    which `iter_attachments` would hide inside multipart/alternative, so every leaf is walked."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    text_part = text if isinstance(text, EmailMessage) else None
    html_part = html if isinstance(html, EmailMessage) else None
    others = [
        part
        for part in message.walk()
        if isinstance(part, EmailMessage)
        and not part.is_multipart()
        and part is not text_part
        and part is not html_part
    ]
    return text_part, html_part, others


def _text_of(part: EmailMessage | None) -> str | None:
    if part is None:
        return None
    try:
        content = part.get_content()
    except (LookupError, ValueError):  # unknown charset: show the bytes as well as we can
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)
    return content if isinstance(content, str) else None


def read_message(directory: Path, name: str) -> CapturedMail:
    """The message `name` with its headers, text and HTML bodies and attachment list."""
    path = _resolve(directory, name)
    message = _parse(path, headers_only=False)
    text_part, html_part, parts = _split(message)
    attachments = [
        Attachment(
            index=index,
            filename=_filename(part, index),
            content_type=part.get_content_type(),
            size=len(part.get_payload(decode=True) or b""),
        )
        for index, part in enumerate(parts)
    ]
    return CapturedMail(
        summary=_summary(path, message),
        headers=[(key, str(value)) for key, value in message.items()],
        text=_text_of(text_part),
        html=_text_of(html_part),
        attachments=attachments,
    )


def raw_message(directory: Path, name: str) -> Path:
    """The .eml file of a captured message, for download."""
    return _resolve(directory, name)


def read_attachment(directory: Path, name: str, index: int) -> tuple[str, str, bytes]:
    """(file name, content type, bytes) of the attachment at `index` in message `name`."""
    parts = _split(_parse(_resolve(directory, name), headers_only=False))[2]
    if not 0 <= index < len(parts):
        raise MessageNotFound(f"{name}#{index}")
    part = parts[index]
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    return _filename(part, index), part.get_content_type(), data


def _filename(part: EmailMessage, index: int) -> str:
    """The part's own name, or one made from its type (an inline text/calendar part has none)."""
    name = part.get_filename()
    if name:
        return name
    extension = {"text/calendar": ".ics", "text/plain": ".txt", "text/html": ".html"}.get(
        part.get_content_type(), ".bin"
    )
    return f"piece-{index + 1}{extension}"
