"""A meeting's documents as its invitees reach them: personal links under their answer link, and when those
links stop working ("archived").

A document link is the invitation's answer link (tokens.py) followed by `/documents/<id>`: the same signed
token, so it needs no account, works on a phone, falls under the rate limit and the no-referrer policy of
the secret links (/r/), and dies with the invitation (an invitee removed from the list loses access).
Through it an invitee reads:
- the meeting's current documents (the latest dossier version, then the pieces: current_documents);
- any dossier version the invitees were told of (`notified_at` set), so that what was sent can always be
  shown again after a newer version.

Archived: a cancelled meeting's documents at once; any other meeting's DOCUMENT_LINK_DAYS (90 by default)
after its end, whether or not it was marked held. The answer token's own ceiling (tokens.MAX_AGE_SECONDS)
still applies. Afterwards the pages say the documents are available on request from the Département.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update

from concertation.core.dates import format_day, format_time
from concertation.core.numbers import format_size
from concertation.core.timeutils import now_utc, to_paris
from concertation.extensions import db
from concertation.meetings.documents import current_documents
from concertation.meetings.models import DocumentKind, Meeting, MeetingDocument, MeetingStatus

DEFAULT_LINK_DAYS = 90
ON_REQUEST = "Les documents de la réunion sont disponibles sur demande auprès du Département."


def link_days(config: Mapping[str, Any]) -> int:
    """DOCUMENT_LINK_DAYS: how long after the meeting's end the invitees' document links work."""
    return int(config.get("DOCUMENT_LINK_DAYS", DEFAULT_LINK_DAYS))


def archived(meeting: Meeting, *, days: int, now: datetime | None = None) -> bool:
    """Whether the meeting's documents are no longer served through the invitees' links."""
    if meeting.status == MeetingStatus.ANNULEE:
        return True
    return (now or now_utc()) >= meeting.ends_at + timedelta(days=days)


def archived_message(meeting: Meeting) -> str:
    """Why the documents are no longer online, in French."""
    if meeting.status == MeetingStatus.ANNULEE:
        return f"La réunion a été annulée : ses documents ne sont plus en ligne. {ON_REQUEST}"
    return f"Les documents de cette réunion passée sont archivés. {ON_REQUEST}"


def readable_document(meeting_id: int, document_id: int) -> MeetingDocument | None:
    """The document if an invitee of the meeting may read it: one of its current documents, or a dossier
    version that was notified; None for another meeting's document, a replaced piece, an unknown id."""
    document = db.session.get(MeetingDocument, document_id)
    if document is None or document.meeting_id != meeting_id:
        return None
    if document.kind is DocumentKind.DOSSIER and document.notified_at is not None:
        return document
    return document if document in current_documents(meeting_id) else None


def mark_notified(documents: Sequence[MeetingDocument], now: datetime | None = None) -> int:
    """Record that the invitees were told of these documents (those not told yet); returns how many.

    A conditional UPDATE: of two requests announcing the same documents, the second (waiting for the
    first's row locks, or SQLite's database lock) matches fewer rows and can refuse to send again.
    """
    ids = [d.id for d in documents]
    if not ids:
        return 0
    at = now or now_utc()
    result = db.session.execute(
        update(MeetingDocument)
        .where(MeetingDocument.id.in_(ids), MeetingDocument.notified_at.is_(None))
        .values(notified_at=at)
        .execution_options(synchronize_session=False)
    )
    for document in documents:
        db.session.expire(document, ["notified_at"])
    return int(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class DocumentLink:
    """One document as the invitee's pages and emails list it."""

    id: int
    title: str
    kind_label: str
    size_label: str
    added_label: str
    filename: str
    url: str


def kind_label(document: MeetingDocument) -> str:
    """ "Dossier de séance (version 2)", "Pièce jointe"."""
    if document.kind is DocumentKind.DOSSIER:
        return f"{document.kind.label} (version {document.version})"
    return document.kind.label


def added_label(at: datetime) -> str:
    """ "dimanche 25 octobre 2026 à 2 h 30", in Europe/Paris."""
    return f"{format_day(to_paris(at).date())} à {format_time(at)}"


def documents_url(answer_url: str) -> str:
    """The invitee's list of the meeting's documents, under their answer link."""
    return f"{answer_url}/documents"


def document_links(documents: Sequence[MeetingDocument], answer_url: str) -> list[DocumentLink]:
    """The documents with the invitee's personal link to each."""
    return [
        DocumentLink(
            id=document.id,
            title=document.title,
            kind_label=kind_label(document),
            size_label=format_size(document.size),
            added_label=added_label(document.created_at),
            filename=document.filename,
            url=f"{documents_url(answer_url)}/{document.id}",
        )
        for document in documents
    ]


def invitee_documents(meeting: Meeting, answer_url: str, *, days: int) -> list[DocumentLink]:
    """What the answer page lists: the current documents with the invitee's links; none once archived."""
    if archived(meeting, days=days):
        return []
    return document_links(current_documents(meeting.id), answer_url)
