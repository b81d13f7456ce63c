"""The dossiers blueprint: generate a new version of a meeting's dossier de séance, download a version,
and the panel of the meeting page that lists the versions (`dossier_panel` in templates/dossiers/_panel.html).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, abort, redirect, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse

from concertation.accounts.current import signed_in_user
from concertation.accounts.models import UserRole
from concertation.core.routing import commit_or_flash
from concertation.core.security import organiser_required, reader_required
from concertation.dossiers.services import DossierError, dossier_versions, generate_dossier
from concertation.extensions import db
from concertation.meetings.documents import app_documents_folder, document_response, dossier_version
from concertation.meetings.models import Meeting, MeetingDocument, MeetingStatus

bp = Blueprint("dossiers", __name__, url_prefix="/reunions")


class GenerateForm(FlaskForm):
    """The "Générer le dossier de séance" button: nothing but its CSRF token."""


@dataclass(frozen=True)
class DossierPanel:
    versions: list[MeetingDocument]
    can_generate: bool
    form: GenerateForm


def dossier_panel(meeting: Meeting) -> DossierPanel:
    """What the meeting page's panel shows: every version, newest first, and the button for organisers."""
    may_organise = current_user.is_authenticated and current_user.has_role(UserRole.ORGANISATEUR)
    return DossierPanel(
        versions=dossier_versions(meeting),
        can_generate=may_organise and meeting.status != MeetingStatus.ANNULEE,
        form=GenerateForm(),
    )


def _back(meeting_id: int) -> BaseResponse:
    return redirect(url_for("meetings.detail", meeting_id=meeting_id, _anchor="dossier"), 303)


@bp.post("/<int:meeting_id>/dossier")
@organiser_required
def generate(meeting_id: int) -> BaseResponse:
    meeting = db.get_or_404(Meeting, meeting_id)
    with commit_or_flash(
        DossierError, conflict="Une autre version du dossier vient d'être générée : rechargez la page."
    ) as outcome:
        document = generate_dossier(meeting, folder=app_documents_folder(), user=signed_in_user())
        outcome.success = f"Dossier de séance généré : version {document.version}."
    return _back(meeting.id)


@bp.get("/<int:meeting_id>/dossier/v<int:version>")
@reader_required
def download(meeting_id: int, version: int) -> Response:
    document = dossier_version(meeting_id, version)
    response = document_response(document, app_documents_folder()) if document is not None else None
    if response is None:
        abort(404)
    return response


bp.add_app_template_global(dossier_panel, "dossier_panel")
