"""Meeting documents for the tests of the invitees' links and notices: stored with the real storage function
in the test's own folder, and the personal links read back from a received email."""

from __future__ import annotations

import re
from email.message import EmailMessage
from pathlib import Path

from flask import Flask

from concertation.extensions import db
from concertation.invitations import services
from concertation.meetings.documents import documents_folder, store_document
from concertation.meetings.models import DocumentKind, Meeting, MeetingDocument
from concertation.notifications.emails import MailContext
from concertation.notifications.sender import SmtpSettings, drain
from tests.common import db as f

PDF = b"%PDF-1.4\n% dossier de s\xc3\xa9ance\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"
ODT = b"PK\x03\x04 compte rendu " + bytes(range(256)) * 4


def use_folder(app: Flask, folder: Path) -> Path:
    """Point MEETING_DOCUMENTS_DIR at the test's folder; the folder the app then uses."""
    app.config["MEETING_DOCUMENTS_DIR"] = str(folder)
    return documents_folder(app.config, app.instance_path)


def add_document(
    app: Flask,
    meeting: Meeting,
    *,
    kind: DocumentKind = DocumentKind.PIECE,
    title: str = "Note de présentation",
    filename: str = "note.pdf",
    content: bytes = PDF,
) -> MeetingDocument:
    """A document stored through meetings.documents.store_document, committed."""
    document = store_document(
        meeting,
        kind=kind,
        title=title,
        filename=filename,
        content=content,
        folder=documents_folder(app.config, app.instance_path),
    )
    db.session.commit()
    return document


def convoked_with_documents(app: Flask, *, without_email: int = 1) -> tuple[Meeting, list[MeetingDocument]]:
    """The Gévaudan concertation with a dossier and an accented piece, convoked (emails in the outbox)."""
    f.gevaudan_elus(without_email=without_email)
    meeting = f.meeting("concertation", siren="244800470", starts_at=f.paris(2027, 3, 9, 14))
    db.session.commit()
    dossier = add_document(
        app, meeting, kind=DocumentKind.DOSSIER, title="Dossier de séance", filename="dossier-seance.pdf"
    )
    piece = add_document(
        app,
        meeting,
        title="Compte rendu de l'été",
        filename="compte-rendu-été.odt",
        content=ODT,
    )
    services.convoke(meeting, MailContext.from_config(app.config))
    db.session.commit()
    return meeting, [dossier, piece]


def deliver(app: Flask) -> None:
    """Send the outbox to the app's SMTP server (the smtp_server fixture)."""
    drain(SmtpSettings.from_config(app.config))


def text_of(message: EmailMessage, subtype: str = "plain") -> str:
    body = message.get_body((subtype,))
    assert isinstance(body, EmailMessage), f"no text/{subtype} part"
    content = body.get_content()
    assert isinstance(content, str)
    return content


def document_paths(text: str) -> list[str]:
    """The paths of the personal document links in an email's text (/r/<token>/documents/<id>)."""
    return re.findall(r"https?://[^\s/]+(/r/[^\s/?]+/documents/\d+)", text)


def answer_path(text: str) -> str:
    """The path of the personal answer link in an email's text (/r/<token>)."""
    match = re.search(r"https?://[^\s/]+(/r/[^\s/?]+)", text)
    assert match, "no answer link"
    return match.group(1)
