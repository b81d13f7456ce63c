"""/api/v1/meetings/{id}/dossier: generate a new version of the dossier de séance, download a version.

The generation calls the dossiers domain's service, in the request's transaction: the same rule as the
meeting page's button (a cancelled meeting has no dossier, 409).
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, g, url_for
from marshmallow import fields

from concertation.api.auth import ApiBlueprint
from concertation.api.documents import document_item
from concertation.api.errors import Refusal, api_abort, commit_or_abort, found_or_404
from concertation.api.meetings import load_meeting
from concertation.dossiers.services import DossierError, DossierNotStored, generate_dossier
from concertation.meetings.documents import app_documents_folder, document_response, dossier_version
from concertation.meetings.models import MeetingDocument

blp = ApiBlueprint("api_dossiers", __name__, description="Dossier de séance des réunions")

# A file that cannot be written is the server's trouble (503); a cancelled meeting, the request's (409).
NOT_STORED = Refusal(DossierNotStored, 503)
REFUSED = Refusal(DossierError)


class DossierDocumentSchema(ma.Schema):
    id = fields.Integer(metadata={"description": "Identifiant du document"})
    title = fields.String(metadata={"description": "« Dossier de séance — <titre de la réunion> »"})
    kind = fields.String(metadata={"description": "« dossier »"})
    version = fields.Integer(metadata={"description": "Numéro de version (1, 2…), toutes gardées"})
    created_at = fields.DateTime(metadata={"description": "Génération (UTC, ISO 8601)"})
    sha256 = fields.String(metadata={"description": "Empreinte SHA-256 du fichier (hexadécimal)"})
    size = fields.Integer(metadata={"description": "Taille en octets"})
    url = fields.String(metadata={"description": "Adresse de téléchargement de cette version (jeton requis)"})


def dossier_item(document: MeetingDocument) -> dict[str, Any]:
    """A dossier version as a meeting document, downloaded by its version number."""
    url = url_for(
        "api_dossiers.download_dossier",
        meeting_id=document.meeting_id,
        version=document.version,
        _external=True,
    )
    return document_item(document, url=url)


@blp.route("/meetings/<int:meeting_id>/dossier", methods=["POST"])
@blp.response(201, DossierDocumentSchema)
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
def create_dossier(meeting_id: int) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Génère une nouvelle version du dossier de séance (rôle organisateur).

    Le dossier (PDF) est établi à partir des données du moment : la réunion, et pour une concertation le
    contrat relié (étape, diagnostic, fiches projets, maquette financière, avenants, décisions et actions
    des séances précédentes) ; pour un Rendez-vous de Territoire, le contrat de chaque communauté de
    communes du secteur. Les versions précédentes restent inchangées. 409 pour une réunion annulée.
    """
    meeting = load_meeting(meeting_id)
    folder = app_documents_folder()
    with commit_or_abort(NOT_STORED, REFUSED):
        document = generate_dossier(meeting, folder=folder, user=g.api_user)
    item = dossier_item(document)
    return item, 201, {"Location": item["url"]}


@blp.route("/meetings/<int:meeting_id>/dossier/<int:version>")
@blp.response(200, {"type": "string", "format": "binary"}, content_type="application/pdf")
def download_dossier(meeting_id: int, version: int) -> Response:
    """Une version du dossier de séance (PDF), telle qu'elle a été générée."""
    load_meeting(meeting_id)
    document = found_or_404(
        dossier_version(meeting_id, version),
        f"La réunion {meeting_id} n'a pas de version {version} de son dossier de séance.",
    )
    response = document_response(document, app_documents_folder())
    if response is None:
        api_abort(410, "Le fichier de cette version n'est plus disponible.")
    return response
