"""The meeting's documents through the invitee's answer link (/r/<token>/documents...), and the organiser's
"Prévenir les invités". Registered on the invitations blueprint (imported by routes.py).

Every refusal is a French page with 404 (altered or foreign link, another meeting's document, an invitee
removed from the list) or 410 (expired link, archived documents): see invitations/documents.py.
"""

from __future__ import annotations

from flask import current_app, flash, render_template, url_for
from werkzeug.wrappers import Response

from concertation.accounts.current import signed_in_user
from concertation.core.routing import commit_or_flash
from concertation.core.security import organiser_required
from concertation.extensions import db
from concertation.invitations import document_notices
from concertation.invitations.documents import (
    archived,
    archived_message,
    document_links,
    link_days,
    readable_document,
)
from concertation.invitations.exceptions import InvitationError
from concertation.invitations.forms import NoticeForm
from concertation.invitations.models import Invitation
from concertation.invitations.routes import _ctx, _invitation_for, _to_index, bp
from concertation.invitations.tokens import InvalidToken
from concertation.meetings.documents import (
    INLINE_TYPES,
    app_documents_folder,
    current_documents,
    document_response,
)
from concertation.meetings.models import Meeting

MISSING = "Ce document n'est pas disponible avec ce lien."


def _unavailable(message: str, status: int) -> tuple[str, int]:
    return render_template("invitations/documents_unavailable.html", message=message), status


def _open(token: str) -> Invitation | tuple[str, int]:
    """The invitation of a link whose meeting's documents are online, or the refusal page."""
    try:
        invitation = _invitation_for(token)
    except InvalidToken as error:
        return _unavailable(str(error), 410 if error.expired else 404)
    if archived(invitation.meeting, days=link_days(current_app.config)):
        return _unavailable(archived_message(invitation.meeting), 410)
    return invitation


@bp.route("/r/<token>/documents")
def answer_documents(token: str) -> str | tuple[str, int]:
    """The invitee's list of the meeting's documents, made for a phone."""
    invitation = _open(token)
    if not isinstance(invitation, Invitation):
        return invitation
    meeting = invitation.meeting
    answer_url = url_for("invitations.answer", token=token)
    return render_template(
        "invitations/documents.html",
        invitation=invitation,
        meeting=meeting,
        documents=document_links(current_documents(meeting.id), answer_url),
        answer_url=answer_url,
    )


@bp.route("/r/<token>/documents/<int:document_id>")
def answer_document(token: str, document_id: int) -> Response | tuple[str, int]:
    """The bytes of one document of the link's meeting, under its file name."""
    invitation = _open(token)
    if not isinstance(invitation, Invitation):
        return invitation
    document = readable_document(invitation.meeting_id, document_id)
    if document is None:
        return _unavailable(MISSING, 404)
    folder = app_documents_folder()
    response = document_response(document, folder, inline_types=INLINE_TYPES)
    if response is None:
        current_app.logger.error("meeting document %s: its file is missing", document.id)
        return _unavailable(MISSING, 404)
    return response


@bp.route("/reunions/<int:meeting_id>/invitations/documents/prevenir", methods=["POST"])
@organiser_required
def notify_documents(meeting_id: int) -> Response:
    """ "Prévenir les invités": one email per invitee listing the new documents, sent once per form."""
    meeting = db.get_or_404(Meeting, meeting_id)
    form = NoticeForm()
    if form.validate_on_submit():
        with commit_or_flash(
            InvitationError, category="warning", conflict=str(document_notices.DocumentsAlreadyNotified())
        ) as outcome:
            report = document_notices.notify_documents(
                meeting,
                _ctx(),
                form.token.data or "",
                by=signed_in_user(),
                days=link_days(current_app.config),
            )
            outcome.success = f"Invités prévenus : {report.emails} courriel(s) en cours d'envoi." + (
                f" À prévenir par courrier : {', '.join(report.paper_names)}." if report.paper_names else ""
            )
    else:
        flash("Formulaire expiré : rechargez la page.", "danger")
    return _to_index(meeting.id)
