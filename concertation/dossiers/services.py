"""Generating a version of the dossier de séance: built from the data of the moment, printed, stored.

Each generation is a new numbered version (meetings.documents.store_document); the earlier ones are
never rewritten, so that what the élus received can always be shown again, byte for byte.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from concertation.accounts.models import User
from concertation.core.timeutils import now_utc
from concertation.dossiers.content import build_dossier
from concertation.dossiers.render import dossier_pdf
from concertation.extensions import db
from concertation.meetings.documents import dossier_versions as versions_of
from concertation.meetings.documents import store_document
from concertation.meetings.models import DocumentKind, Meeting, MeetingDocument, MeetingStatus


class DossierError(Exception):
    """The dossier cannot be generated; `str(error)` is a French message for the organiser."""


class DossierNotStored(DossierError):
    """The PDF was made but its file could not be written (disk full, folder not writable)."""


def _next_version(meeting: Meeting) -> int:
    # The number printed in the document: store_document gives the row the same one in this transaction.
    latest = db.session.scalar(
        select(func.max(MeetingDocument.version)).where(
            MeetingDocument.meeting_id == meeting.id, MeetingDocument.kind == DocumentKind.DOSSIER
        )
    )
    return (latest or 0) + 1


def generate_dossier(
    meeting: Meeting, *, folder: Path, user: User | None = None, now: datetime | None = None
) -> MeetingDocument:
    """Build, print and store the next version of the meeting's dossier (flushed; the caller commits).

    Refused (DossierError) for a cancelled meeting: nobody will read it; DossierNotStored when the file
    cannot be written.
    """
    if meeting.status == MeetingStatus.ANNULEE:
        raise DossierError("La réunion est annulée : son dossier de séance ne peut plus être généré.")
    version = _next_version(meeting)
    dossier = build_dossier(meeting, version=version, now=now or now_utc())
    content = dossier_pdf(dossier)
    try:
        document = store_document(
            meeting,
            kind=DocumentKind.DOSSIER,
            title=dossier.title,
            filename=f"dossier-seance-v{version}.pdf",
            content=content,
            folder=folder,
            user=user,
        )
    except OSError as error:
        raise DossierNotStored(
            f"Le dossier n'a pas pu être enregistré ({error.strerror or error}) : "
            "prévenez l'équipe technique."
        ) from error
    if document.version != version:
        # Another generation took the number between the two reads: its row wins at commit.
        raise DossierError("Une autre version du dossier vient d'être générée : recommencez.")
    return document


def dossier_versions(meeting: Meeting) -> list[MeetingDocument]:
    """Every version of the meeting's dossier, newest first."""
    return versions_of(meeting.id)
