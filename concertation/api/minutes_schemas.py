"""marshmallow schemas of the minutes API: attendance, decisions and the compte rendu.

Amounts are text as the organisers type them ("12 500,50"); the services read them and answer in French.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from concertation.minutes.enums import AttendanceStatus, AttendeeKind, DecisionKind, MinutesStatus

# Ids are INTEGER columns: a larger number is refused here rather than overflowing in the database.
ID = validate.Range(min=1, max=2**31 - 1, error="Identifiant invalide.")
STATUSES = [s.value for s in AttendanceStatus]
OTHER_KINDS = [k.value for k in AttendeeKind if k is not AttendeeKind.INVITE]
DECISION_KINDS = [k.value for k in DecisionKind]
MINUTES_STATUSES = [s.value for s in MinutesStatus]


def _id(description: str, **kwargs: Any) -> fields.Integer:
    return fields.Integer(strict=True, validate=ID, metadata={"description": description}, **kwargs)


def _text(max_length: int, description: str, **kwargs: Any) -> fields.String:
    return fields.String(
        validate=validate.Length(max=max_length), metadata={"description": description}, **kwargs
    )


# Attendance --------------------------------------------------------------------------------------------


class AttendanceEntrySchema(ma.Schema):
    person_id = _id("Personne invitée", required=True)
    status = fields.String(
        required=True,
        validate=validate.OneOf(STATUSES, error="Présence attendue parmi : {choices}."),
        metadata={"description": "present, excuse, represente ou absent"},
    )
    represented_by = _text(
        300, "Nom et qualité du représentant (obligatoire pour represente)", load_default=""
    )


class OtherAttendeeInSchema(ma.Schema):
    kind = fields.String(
        load_default=AttendeeKind.PARTENAIRE.value,
        validate=validate.OneOf(OTHER_KINDS, error="Catégorie attendue parmi : {choices}."),
        metadata={"description": "elu, departement ou partenaire"},
    )
    person_id = _id("Une personne connue (sinon name)", allow_none=True, load_default=None)
    name = _text(200, "Nom et prénom, pour une personne inconnue", load_default="")
    quality = _text(300, "Qualité ou organisme", load_default="")
    email = _text(254, "Adresse électronique (reçoit le compte rendu)", load_default="")


class AttendancePutSchema(ma.Schema):
    invitees = fields.List(
        fields.Nested(AttendanceEntrySchema),
        required=True,
        validate=validate.Length(max=2000),
        metadata={
            "description": "La présence de chaque invité ; un invité absent de la liste reprend sa réponse"
        },
    )
    others = fields.List(
        fields.Nested(OtherAttendeeInSchema),
        validate=validate.Length(max=200),
        metadata={"description": "Les personnes venues sans invitation ; absent : inchangées"},
    )


class TurnoutSchema(ma.Schema):
    invited = fields.Integer(required=True)
    present = fields.Integer(required=True)
    represented = fields.Integer(required=True)
    excused = fields.Integer(required=True)
    absent = fields.Integer(required=True)
    others = fields.Integer(required=True, metadata={"description": "Venus sans invitation"})
    came = fields.Integer(required=True, metadata={"description": "Présents et représentés"})
    rate = fields.Float(allow_none=True, metadata={"description": "Taux de participation en %"})


class AttendanceLineSchema(ma.Schema):
    person_id = fields.Integer(required=True)
    name = fields.String(required=True)
    qualities = fields.List(fields.String(), required=True)
    answer = fields.String(allow_none=True, metadata={"description": "Réponse à l'invitation"})
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    represented_by = fields.String(required=True)
    is_recorded = fields.Boolean(required=True, metadata={"description": "false : d'après la réponse"})


class OtherAttendeeSchema(ma.Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    person_id = fields.Integer(allow_none=True)
    name = fields.String(required=True)
    quality = fields.String(required=True)
    email = fields.String(allow_none=True)


class AttendanceSchema(ma.Schema):
    meeting_id = fields.Integer(required=True)
    turnout = fields.Nested(TurnoutSchema, required=True)
    invitees = fields.List(fields.Nested(AttendanceLineSchema), required=True)
    others = fields.List(fields.Nested(OtherAttendeeSchema), required=True)


# Decisions ---------------------------------------------------------------------------------------------


class DecisionCreateSchema(ma.Schema):
    kind = fields.String(
        required=True,
        validate=validate.OneOf(DECISION_KINDS, error="Type de décision attendu parmi : {choices}."),
        metadata={"description": ", ".join(DECISION_KINDS)},
    )
    agenda_item_id = _id("Point de l'ordre du jour (obligatoire si la réunion en a)", allow_none=True)
    text = _text(
        5000, "Texte de la décision ; l'objet d'un avenant ; l'urgence du fonds de réserve", load_default=""
    )
    project_id = _id("Fiche projet du contrat relié", allow_none=True)
    priority = fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(min=1, max=3),
        metadata={"description": "priorite_projet : 1, 2 ou 3"},
    )
    estimated_cost = _text(30, "montant_modifie : nouveau coût HT", allow_none=True)
    grant_requested = _text(30, "montant_modifie : nouvelle aide", allow_none=True)
    amendment_id = _id("avenant_approuve : l'avenant (par défaut celui en préparation)", allow_none=True)
    new_envelope = _text(30, "avenant_propose : nouvelle enveloppe", allow_none=True)
    amount = _text(30, "reserve_accordee : montant accordé", allow_none=True)
    decision_reference = _text(200, "reserve_accordee : référence de la décision", load_default="")
    voted_on = fields.Date(allow_none=True, metadata={"description": "avenant_approuve : date du vote"})
    signed_on = fields.Date(allow_none=True, metadata={"description": "avenant_approuve : date de signature"})


class DecisionSchema(ma.Schema):
    id = fields.Integer(required=True)
    meeting_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(DECISION_KINDS))
    kind_label = fields.String(required=True)
    agenda_item_id = fields.Integer(allow_none=True)
    agenda_item = fields.String(allow_none=True, metadata={"description": "Intitulé du point"})
    text = fields.String(required=True)
    summary = fields.String(required=True, metadata={"description": "Ce que la décision a changé"})
    contract_id = fields.Integer(allow_none=True)
    project_id = fields.Integer(allow_none=True)
    amendment_id = fields.Integer(allow_none=True)
    event_id = fields.Integer(allow_none=True, metadata={"description": "Ligne de l'historique du contrat"})
    published_version = fields.Integer(
        allow_none=True, metadata={"description": "Version du compte rendu qui l'a diffusée"}
    )
    is_active = fields.Boolean(required=True, metadata={"description": "false : décision annulée"})
    can_be_undone = fields.Boolean(required=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})
    undone_at = fields.String(allow_none=True, metadata={"format": "date-time"})


# Minutes -----------------------------------------------------------------------------------------------


class SectionInSchema(ma.Schema):
    agenda_item_id = _id(
        "Point de l'ordre du jour ; absent ou null : section libre", allow_none=True, load_default=None
    )
    title = _text(300, "Titre d'une section libre", load_default="")
    body = _text(50_000, "Texte en Markdown (le HTML est nettoyé)", load_default="")


class MinutesPutSchema(ma.Schema):
    sections = fields.List(
        fields.Nested(SectionInSchema),
        validate=validate.Length(max=60),
        metadata={
            "description": "Toutes les sections, dans l'ordre ; un point de l'ordre du jour omis vient en "
            "dernier, vide"
        },
    )
    status = fields.String(
        validate=validate.OneOf(MINUTES_STATUSES, error="État attendu parmi : {choices}."),
        metadata={
            "description": "brouillon, valide ou diffuse (diffuse envoie le compte rendu par courriel)"
        },
    )
    correction_reason = _text(2000, "Ouvre une version corrigée d'un compte rendu diffusé")


class SectionSchema(ma.Schema):
    id = fields.Integer(required=True)
    agenda_item_id = fields.Integer(allow_none=True)
    title = fields.String(required=True)
    body = fields.String(required=True, metadata={"description": "Markdown"})
    html = fields.String(required=True, metadata={"description": "HTML nettoyé"})


class VersionSchema(ma.Schema):
    number = fields.Integer(required=True)
    diffused_at = fields.String(required=True, metadata={"format": "date-time"})
    recipient_count = fields.Integer(required=True)
    correction_reason = fields.String(required=True)


class MinutesSchema(ma.Schema):
    meeting_id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(MINUTES_STATUSES))
    status_label = fields.String(required=True)
    version = fields.Integer(required=True)
    correction_reason = fields.String(required=True)
    validated_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    diffused_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    sections = fields.List(fields.Nested(SectionSchema), required=True)
    versions = fields.List(
        fields.Nested(VersionSchema), required=True, metadata={"description": "Versions diffusées"}
    )
    emails_queued = fields.Integer(metadata={"description": "Courriels mis en file par cette diffusion"})
