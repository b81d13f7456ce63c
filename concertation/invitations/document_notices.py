""" "Prévenir les invités": tell the invitees of the documents added or regenerated since the convocation.

One email per current invitee with an address, whatever the number of files, written to the outbox in the
caller's transaction with the DocumentNotice row that makes the click unique (the same form twice sends
nothing more, like "Relancer les sans-réponse"). The documents told of get their `notified_at`, so the
next notice lists only what changed after this one. The invitees without email are listed for the
organiser, who writes to them on paper.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from concertation.accounts import audit
from concertation.accounts.audit import AuditAction
from concertation.accounts.models import User
from concertation.extensions import db
from concertation.invitations.documents import (
    DEFAULT_LINK_DAYS,
    archived,
    document_links,
    documents_url,
    mark_notified,
)
from concertation.invitations.exceptions import InvitationError
from concertation.invitations.models import Answer, Channel, DocumentNotice, Invitation
from concertation.invitations.reminders import MeetingEmailBatch, emailed_invitations
from concertation.invitations.services import invitations_of
from concertation.meetings.documents import current_documents
from concertation.meetings.models import Meeting, MeetingDocument, MeetingStatus
from concertation.notifications.emails import MailContext
from concertation.notifications.models import MessageKind
from concertation.notifications.outbox import enqueue_many


class CannotNotify(InvitationError):
    """Nothing to tell, or a meeting whose invitees are no longer told (not convoked)."""


class DocumentsAlreadyNotified(InvitationError):
    def __init__(self) -> None:
        super().__init__("Les invités ont déjà été prévenus de ces documents : rien n'est renvoyé.")


@dataclass(frozen=True)
class NoticeReport:
    documents: int
    emails: int
    paper_names: list[str]


def new_notice_token() -> str:
    """The token of one "Prévenir les invités" form, drawn each time the page is shown."""
    return secrets.token_urlsafe(24)


def pending_documents(meeting: Meeting, *, days: int = DEFAULT_LINK_DAYS) -> list[MeetingDocument]:
    """The current documents the invitees of a convoked meeting were not told of; none once the meeting's
    documents are archived (the links would not work) or before the convocation (nobody to tell)."""
    if meeting.status != MeetingStatus.CONVOQUEE or archived(meeting, days=days):
        return []
    return [d for d in current_documents(meeting.id) if d.notified_at is None]


def without_email(invitations: Sequence[Invitation]) -> list[Invitation]:
    """The current invitees without an email address: the organiser tells them on paper."""
    return [i for i in invitations if i.is_active and (i.channel == Channel.PAPER or not i.email)]


def notify_documents(
    meeting: Meeting, ctx: MailContext, token: str, *, by: User | None = None, days: int = DEFAULT_LINK_DAYS
) -> NoticeReport:
    """One email per current invitee with an address listing the documents not told of yet; marks them told.

    The same token twice raises DocumentsAlreadyNotified (the caller rolls back); two simultaneous
    submits meet on the unique token, two forms on the documents' conditional update (mark_notified).
    """
    if not token or len(token) > 64:
        raise CannotNotify("Formulaire expiré : rechargez la page.")
    if meeting.status != MeetingStatus.CONVOQUEE:
        raise CannotNotify("Seuls les invités d'une réunion convoquée sont prévenus de ses documents.")
    if db.session.scalar(select(DocumentNotice.id).where(DocumentNotice.token == token)):
        raise DocumentsAlreadyNotified()
    documents = pending_documents(meeting, days=days)
    if not documents:
        raise CannotNotify("Aucun nouveau document à signaler aux invités.")
    targets = emailed_invitations(meeting, tuple(Answer))
    notice = DocumentNotice(
        meeting_id=meeting.id,
        token=token,
        document_count=len(documents),
        email_count=len(targets),
        created_by_id=by.id if by else None,
    )
    db.session.add(notice)
    try:
        db.session.flush()
    except IntegrityError:
        raise DocumentsAlreadyNotified() from None
    if mark_notified(documents) != len(documents):
        raise DocumentsAlreadyNotified()
    enqueue_many(_NoticeBatch(meeting, ctx, notice, documents).emails(targets))
    audit.record(
        AuditAction.DOCUMENTS_NOTICE,
        meeting.journal_label,
        f"{len(documents)} document(s), {len(targets)} courriel(s)",
        actor=by,
    )
    return NoticeReport(
        documents=len(documents),
        emails=len(targets),
        paper_names=[i.person.full_name for i in without_email(invitations_of(meeting))],
    )


class _NoticeBatch(MeetingEmailBatch):
    """The documents notice: what is new, then every current document, with personal links."""

    kind = MessageKind.DOCUMENTS
    template = "documents"
    subject_prefix = "Documents"

    def __init__(
        self, meeting: Meeting, ctx: MailContext, notice: DocumentNotice, documents: Sequence[MeetingDocument]
    ) -> None:
        super().__init__(meeting, ctx, f"documents-{notice.id}")
        self.documents = documents
        self.current = current_documents(meeting.id)

    def personal(self, invitation: Invitation, answer_url: str) -> dict[str, Any]:
        return {
            "new_documents": document_links(self.documents, answer_url),
            "documents": document_links(self.current, answer_url),
            "documents_url": documents_url(answer_url),
        }
