"""/api/v1/meetings/{id}/documents: what the invitees read before a meeting, its dossier and its pieces.

The list and the downloads are for every token (lecteur and up); attaching a piece is the organiser's,
through the meetings domain's service, with the checks of the pages (type, size, bytes, title).
"""

from __future__ import annotations

import io
from typing import Any

import marshmallow as ma
from flask import Response, current_app, g, request, url_for
from marshmallow import fields, validate
from sqlalchemy import select

from concertation.api.auth import ApiBlueprint
from concertation.api.errors import Refusal, api_abort, commit_or_abort, found_or_404
from concertation.extensions import db
from concertation.meetings import documents
from concertation.meetings.exceptions import InvalidDocument, MeetingNotEditable
from concertation.meetings.models import DocumentKind, Meeting, MeetingDocument

blp = ApiBlueprint("api_documents", __name__, description="Documents des réunions")


class MeetingDocumentSchema(ma.Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    kind = fields.String(
        required=True,
        validate=validate.OneOf([k.value for k in DocumentKind]),
        metadata={"description": "dossier (dossier de séance généré) ou piece (fichier joint)"},
    )
    version = fields.Integer(
        required=True, metadata={"description": "Version du dossier ; numéro d'ordre d'envoi d'une pièce"}
    )
    position = fields.Integer(required=True, metadata={"description": "Rang d'affichage"})
    filename = fields.String(required=True, metadata={"description": "Nom du fichier téléchargé"})
    content_type = fields.String(required=True)
    created_at = fields.DateTime(required=True, metadata={"description": "En UTC"})
    sha256 = fields.String(required=True, metadata={"description": "Empreinte SHA-256 du fichier"})
    size = fields.Integer(required=True, metadata={"description": "Taille en octets"})
    url = fields.String(required=True, metadata={"description": "Téléchargement (même jeton)"})


# The multipart body, documented by hand: flask-smorest's `arguments` reads one location only.
UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "Le fichier : formats et taille de MEETING_DOCUMENT_EXTENSIONS et "
                        "MEETING_DOCUMENT_MAX_BYTES (ceux des documents des contrats par défaut) ; son "
                        "contenu doit correspondre à son extension",
                    },
                    "title": {
                        "type": "string",
                        "maxLength": 300,
                        "description": "Titre affiché ; le nom du fichier s'il est absent",
                    },
                },
            }
        }
    },
}
FILE_RESPONSE = {
    "200": {
        "description": "Le fichier, avec son type et son nom (Content-Disposition)",
        "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
    }
}
# A refused upload: each message on its field of the multipart form.
INVALID = Refusal(
    InvalidDocument, 422, False, lambda error: {"form": {key: [msg] for key, msg in error.errors.items()}}
)


def _meeting(meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    return found_or_404(meeting, f"Aucune réunion n'a l'identifiant {meeting_id}.")


def document_item(document: MeetingDocument, *, url: str | None = None) -> dict[str, Any]:
    """A meeting document as the API gives it: MeetingDocumentSchema, and the part of it that
    DossierDocumentSchema shows. `url` downloads it, by default through this blueprint."""
    return {
        "id": document.id,
        "title": document.title,
        "kind": document.kind,
        "version": document.version,
        "position": document.position,
        "filename": document.filename,
        "content_type": document.content_type,
        "created_at": document.created_at,
        "sha256": document.sha256,
        "size": document.size,
        "url": url
        or url_for("api_documents.document", meeting_id=document.meeting_id, document_id=document.id),
    }


@blp.route("/meetings/<int:meeting_id>/documents")
@blp.response(200, MeetingDocumentSchema(many=True))
def meeting_documents(meeting_id: int) -> list[dict[str, Any]]:
    """Documents de la réunion : la dernière version du dossier de séance, puis les pièces jointes dans
    leur ordre."""
    meeting = _meeting(meeting_id)
    return [document_item(document) for document in documents.current_documents(meeting.id)]


@blp.route("/meetings/<int:meeting_id>/documents", methods=["POST"])
@blp.doc(requestBody=UPLOAD_BODY)
@blp.response(201, MeetingDocumentSchema)
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def add_document(meeting_id: int) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Joint un fichier à la réunion (rôle organisateur), en dernier des pièces.

    Corps multipart/form-data : « file » et « title » (facultatif). 422 par champ : pas de fichier,
    fichier vide, type refusé, contenu qui ne correspond pas à l'extension, trop volumineux, titre trop
    long ; 409 pour une réunion annulée ou tenue.
    """
    meeting = _meeting(meeting_id)
    # Sent otherwise than as multipart, there is no file: the service says "Choisissez un fichier."
    upload = request.files.get("file")
    with commit_or_abort(INVALID, Refusal(MeetingNotEditable)):
        document = documents.add_piece(
            meeting,
            title=request.form.get("title", ""),
            filename=upload.filename if upload is not None else None,
            stream=upload.stream if upload is not None else io.BytesIO(b""),
            folder=documents.app_documents_folder(),
            rules=documents.document_rules(current_app.config),
            user=g.api_user,
        )
    item = document_item(document)
    return item, 201, {"Location": item["url"]}


@blp.route("/meetings/<int:meeting_id>/documents/<int:document_id>")
@blp.doc(responses=FILE_RESPONSE)
def document(meeting_id: int, document_id: int) -> Response:
    """Télécharge un document de la réunion (le fichier tel qu'il a été enregistré)."""
    found = db.session.scalar(
        select(MeetingDocument).where(
            MeetingDocument.id == document_id, MeetingDocument.meeting_id == meeting_id
        )
    )
    found = found_or_404(found, f"La réunion {meeting_id} n'a pas de document {document_id}.")
    response = documents.document_response(found, documents.app_documents_folder())
    if response is None:
        api_abort(404, "Le fichier de ce document est introuvable.")
    return response
