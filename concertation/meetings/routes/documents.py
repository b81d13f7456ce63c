"""The documents of a meeting, for the Département: attach, retitle, order and remove pieces, download.

The panel of the meeting page (templates/meetings/_documents.html) asks `panel` for what it shows, so
that the meeting page's view does not change with it. The files are served only to signed-in users
(lecteur and up); the invitees reach them through their own links (invitations).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from concertation.accounts.current import signed_in_user
from concertation.core.routing import commit_or_flash
from concertation.core.security import organiser_required, reader_required
from concertation.core.uploads import UploadRules
from concertation.extensions import db
from concertation.meetings import documents
from concertation.meetings.exceptions import InvalidDocument, MeetingError
from concertation.meetings.forms import ActionForm, DocumentForm, RetitleForm
from concertation.meetings.models import Meeting, MeetingDocument

# The French names of the fields, for a refusal flashed above the meeting page.
FIELD_LABELS = {"title": "Titre", "file": "Fichier"}


@dataclass(frozen=True)
class Panel:
    documents: list[MeetingDocument]
    rules: UploadRules
    form: DocumentForm


def rules() -> UploadRules:
    return documents.document_rules(current_app.config)


def panel(meeting: Meeting) -> Panel:
    """What the Documents panel of the meeting page shows: the latest dossier, then the pieces."""
    return Panel(documents.current_documents(meeting.id), rules(), DocumentForm(formdata=None))


def _document_or_404(meeting_id: int, document_id: int) -> MeetingDocument:
    """The document, only under its own meeting: another meeting's id is a 404."""
    document = db.session.scalar(
        select(MeetingDocument).where(
            MeetingDocument.id == document_id, MeetingDocument.meeting_id == meeting_id
        )
    )
    if document is None:
        abort(404)
    return document


def _back(meeting_id: int) -> BaseResponse:
    return redirect(url_for(".detail", meeting_id=meeting_id, _anchor="documents"), 303)


def _refusal(error: InvalidDocument) -> str:
    return " ".join(f"{FIELD_LABELS.get(key, key)} : {message}" for key, message in error.errors.items())


@organiser_required
def add_document(meeting_id: int) -> str | BaseResponse | tuple[str, int]:
    meeting = db.get_or_404(Meeting, meeting_id)
    form = DocumentForm()
    upload_rules = rules()
    if request.method == "GET":
        return render_template("meetings/document.html", form=form, meeting=meeting, rules=upload_rules)
    if form.validate_on_submit():
        upload = request.files.get("file")
        with commit_or_flash(MeetingError, "Document ajouté.", form=form, invalid=InvalidDocument) as outcome:
            documents.add_piece(
                meeting,
                title=form.title.data or "",
                filename=upload.filename if upload else "",
                stream=upload.stream if upload else io.BytesIO(b""),
                folder=documents.app_documents_folder(),
                rules=upload_rules,
                user=signed_in_user(),
            )
        if outcome.committed or outcome.refused:
            return _back(meeting.id)
    page = render_template("meetings/document.html", form=form, meeting=meeting, rules=upload_rules)
    return page, 422


@reader_required
def download_document(meeting_id: int, document_id: int) -> Response:
    document = _document_or_404(meeting_id, document_id)
    response = documents.document_response(document, documents.app_documents_folder())
    if response is None:
        abort(404)
    return response


@organiser_required
def retitle_document(meeting_id: int, document_id: int) -> BaseResponse:
    document = _document_or_404(meeting_id, document_id)
    form = RetitleForm()
    if not form.validate_on_submit():
        flash("Titre : " + next(iter(form.title.errors), "formulaire expiré, rechargez la page."), "danger")
        return _back(meeting_id)
    with commit_or_flash(MeetingError, "Titre modifié.", invalid=InvalidDocument) as outcome:
        documents.retitle_piece(document, form.title.data or "")
    if isinstance(outcome.error, InvalidDocument):
        flash(_refusal(outcome.error), "danger")
    return _back(meeting_id)


@organiser_required
def move_document(meeting_id: int, document_id: int) -> BaseResponse:
    document = _document_or_404(meeting_id, document_id)
    direction = request.form.get("direction")
    if not ActionForm().validate_on_submit() or direction not in ("haut", "bas"):
        flash("Déplacement impossible : formulaire expiré, rechargez la page.", "danger")
        return _back(meeting_id)
    with commit_or_flash(MeetingError):
        documents.move_piece(document, -1 if direction == "haut" else 1)
    return _back(meeting_id)


@organiser_required
def delete_document(meeting_id: int, document_id: int) -> BaseResponse:
    document = _document_or_404(meeting_id, document_id)
    if not ActionForm().validate_on_submit():
        flash("Le formulaire a expiré : rechargez la page.", "danger")
        return _back(meeting_id)
    title = document.title
    with commit_or_flash(MeetingError) as outcome:
        path = documents.delete_piece(document, documents.app_documents_folder())
    if outcome.committed:
        path.unlink(missing_ok=True)
        flash(f"Document « {title} » retiré.", "success")
    return _back(meeting_id)
