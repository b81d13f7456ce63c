"""marshmallow schemas of the meetings and invitations API: request bodies, query arguments, responses.

Times sent without an offset are Europe/Paris wall-clock times; with an offset (or Z) they are that
instant. The meetings domain makes that conversion (`MeetingInput`); these schemas only check shapes.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from concertation.api.schemas import INSEE, SIREN
from concertation.core.ids import MAX_ID
from concertation.invitations.models import Answer, Channel
from concertation.meetings.contracts import AUTO
from concertation.meetings.models import InviteeSource, MeetingKind, MeetingStatus
from concertation.meetings.services import MeetingInput
from concertation.notifications.models import DeliveryState

KINDS = [k.value for k in MeetingKind]
STATUSES = [s.value for s in MeetingStatus]
# Ids are INTEGER columns: beyond, PostgreSQL and SQLite overflow instead of finding nobody.
PERSON_ID = validate.Range(
    min=1, max=MAX_ID, error="Identifiant de personne invalide : entier de {min} à {max}."
)
CONTRACT_ID = validate.Range(
    min=1, max=MAX_ID, error="Identifiant de contrat invalide : entier de {min} à {max}."
)
# The years of `year`; beyond them a day has no UTC bounds in Python (year 1 or 9999: a 500).
DAYS = validate.Range(
    min=date(1900, 1, 1), max=date(2200, 12, 31), error="Date attendue entre le 1900-01-01 et le 2200-12-31."
)


class LocalDateTime(fields.DateTime):
    """An ISO 8601 date and time; without an offset it is read as Europe/Paris wall-clock time."""

    default_error_messages = {
        "invalid": "Date et heure attendues (ISO 8601), par exemple 2027-03-28T10:00:00.",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        # A date alone would silently mean midnight: require the time.
        if isinstance(value, str) and "T" not in value.upper() and " " not in value.strip():
            raise self.make_error("invalid")
        result: datetime = super()._deserialize(value, attr, data, **kwargs)
        return result


def _datetime_field(description: str, **kwargs: Any) -> LocalDateTime:
    return LocalDateTime(
        metadata={
            "description": description + " ; sans décalage horaire : heure de Paris, sinon cet instant.",
            "example": "2027-03-28T10:00:00",
        },
        **kwargs,
    )


def _kind(**kwargs: Any) -> fields.String:
    """The meeting's kind in a request body (optional on update, `required` on creation)."""
    return fields.String(
        validate=validate.OneOf(KINDS, error="Type de réunion inconnu : choisissez {choices}."),
        metadata={"description": "rendez_vous, concertation ou autre"},
        **kwargs,
    )


# Requests --------------------------------------------------------------------------------------------


class ScopeSchema(ma.Schema):
    intercommunality = fields.String(
        validate=SIREN, metadata={"description": "SIREN de l'intercommunalité (concertation territoriale)"}
    )
    sector = fields.String(
        validate=INSEE,
        metadata={"description": "Code INSEE de la ville principale du secteur (Rendez-vous de Territoire)"},
    )


class LocationSchema(ma.Schema):
    """Keys left out keep their value on update (empty on creation)."""

    name = fields.String(validate=validate.Length(max=300))
    address = fields.String(validate=validate.Length(max=500))
    commune = fields.String(allow_none=True, validate=INSEE, metadata={"description": "Code INSEE"})


class MeetingBodySchema(ma.Schema):
    """The fields shared by creation and partial update."""

    kind = _kind()
    scope = fields.Nested(
        ScopeSchema,
        metadata={"description": "Un secteur (Rendez-vous), une intercommunalité (concertation)"},
    )
    title = fields.String(validate=validate.Length(max=300))
    purpose = fields.String(
        metadata={
            "description": "Concertation : diagnostic, propositions, negociation ou avenant ; "
            "Rendez-vous : l'année (déduite de la date si absente)"
        },
    )
    starts_at = _datetime_field("Début")
    ends_at = _datetime_field("Fin")
    location = fields.Nested(LocationSchema)
    agenda = fields.List(fields.String(), metadata={"description": "Points de l'ordre du jour, dans l'ordre"})
    contract_id = fields.Integer(
        allow_none=True,
        strict=True,
        validate=CONTRACT_ID,
        metadata={
            "description": "Contrat territorial dont traite la réunion : un contrat de sa communauté de "
            "communes (ou des communautés de son secteur) ; null : aucun. Absent à la création : une "
            "concertation est reliée au contrat en cours de sa communauté de communes ; absent en "
            "modification : le lien est gardé tant que le territoire ne change pas."
        },
    )


class MeetingCreateSchema(MeetingBodySchema):
    kind = _kind(required=True)
    title = fields.String(
        required=True,
        validate=validate.Length(max=300),
        error_messages={"required": "Le titre est obligatoire."},
    )
    starts_at = _datetime_field(
        "Début", required=True, error_messages={"required": "La date et l'heure de début sont obligatoires."}
    )
    ends_at = _datetime_field(
        "Fin", required=True, error_messages={"required": "La date et l'heure de fin sont obligatoires."}
    )

    @ma.post_load
    def make_input(self, data: dict[str, Any], **kwargs: Any) -> MeetingInput:
        return merge_input(None, data)


class MeetingPatchSchema(MeetingBodySchema):
    """Every field is optional: a field left out keeps its value."""

    notify = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Envoyer la mise à jour aux invités même si seuls l'intitulé ou l'ordre "
            "du jour changent"
        },
    )


def merge_input(current: MeetingInput | None, data: dict[str, Any]) -> MeetingInput:
    """The input of a creation (`current` None) or of a partial update: fields absent from `data` keep
    their current value; a `scope` replaces the whole scope, a `location` only the keys it holds."""
    base = current or MeetingInput(kind="", title="", starts_at=None, ends_at=None)
    scope = data.get("scope")
    location = data.get("location") or {}
    return MeetingInput(
        kind=data.get("kind", base.kind),
        title=data.get("title", base.title),
        starts_at=data.get("starts_at", base.starts_at),
        ends_at=data.get("ends_at", base.ends_at),
        purpose=data.get("purpose", base.purpose),
        sector_town=scope.get("sector") if scope is not None else base.sector_town,
        intercommunality_siren=scope.get("intercommunality")
        if scope is not None
        else base.intercommunality_siren,
        location_name=location.get("name", base.location_name),
        location_address=location.get("address", base.location_address),
        location_commune=location.get("commune", base.location_commune),
        agenda=list(data.get("agenda", base.agenda)),
        contract_id=data.get("contract_id", AUTO),
    )


class MeetingQuerySchema(ma.Schema):
    kind = fields.String(
        validate=validate.OneOf(KINDS, error="Valeur attendue parmi : {choices}."),
        metadata={"description": "rendez_vous, concertation ou autre"},
    )
    status = fields.String(
        validate=validate.OneOf(STATUSES, error="Valeur attendue parmi : {choices}."),
        metadata={"description": "brouillon, convoquee, tenue ou annulee"},
    )
    year = fields.Integer(
        validate=validate.Range(min=1900, max=2200),
        metadata={"description": "Année du début (heure de Paris)"},
    )
    sector = fields.String(
        validate=INSEE,
        metadata={
            "description": "Code INSEE d'une ville principale : ses Rendez-vous et les réunions sur les "
            "intercommunalités de son secteur"
        },
    )
    intercommunality = fields.String(validate=SIREN, metadata={"description": "SIREN d'une intercommunalité"})
    from_ = fields.Date(
        data_key="from",
        validate=DAYS,
        metadata={"description": "Réunions commençant ce jour ou après (heure de Paris)"},
    )
    to = fields.Date(
        validate=DAYS, metadata={"description": "Réunions commençant ce jour ou avant (heure de Paris)"}
    )

    @ma.validates_schema
    def ordered(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("from_") and data.get("to") and data["to"] < data["from_"]:
            raise ma.ValidationError("La date « to » précède la date « from ».", field_name="to")


class InviteeChangeSchema(ma.Schema):
    person_id = fields.Integer(
        required=True,
        strict=True,
        validate=PERSON_ID,
        error_messages={"required": "Indiquez la personne (person_id)."},
    )
    reason = fields.String(
        required=True,
        validate=validate.Length(max=500),
        error_messages={"required": "Indiquez la raison du changement."},
    )


class InviteeRemovalArgsSchema(ma.Schema):
    """The removal, in the JSON body or in the query string (some clients send no body with DELETE)."""

    person_id = fields.Integer(validate=PERSON_ID)
    reason = fields.String()


# Responses -------------------------------------------------------------------------------------------


class MeetingScopeSchema(ma.Schema):
    intercommunality = fields.String(metadata={"description": "SIREN"})
    sector = fields.String(metadata={"description": "Code INSEE de la ville principale"})


class MeetingLocationSchema(ma.Schema):
    name = fields.String(required=True)
    address = fields.String(required=True)
    commune = fields.String(allow_none=True, metadata={"description": "Code INSEE"})


class MeetingContractSchema(ma.Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    intercommunality = fields.String(required=True, metadata={"description": "Sa communauté de communes"})
    stage = fields.String(required=True, metadata={"description": "Étape : diagnostic, …, clos"})
    stage_label = fields.String(required=True)
    url = fields.String(required=True, metadata={"description": "Le contrat dans l'API"})


class MeetingSchema(ma.Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    kind_label = fields.String(required=True)
    title = fields.String(required=True)
    purpose = fields.String(required=True)
    purpose_label = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    status_label = fields.String(required=True)
    scope = fields.Nested(MeetingScopeSchema, required=True)
    scope_label = fields.String(required=True)
    starts_at = fields.String(required=True, metadata={"format": "date-time", "description": "En UTC"})
    ends_at = fields.String(required=True, metadata={"format": "date-time", "description": "En UTC"})
    location = fields.Nested(MeetingLocationSchema, required=True)
    agenda = fields.List(fields.String(), required=True)
    sequence = fields.Integer(required=True, metadata={"description": "SEQUENCE iCalendar du dernier envoi"})
    invitee_count = fields.Integer(
        required=True,
        metadata={"description": "Invités : la liste arrêtée une fois convoquée, sinon calculée"},
    )
    invitees_frozen_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    contract = fields.Nested(
        MeetingContractSchema,
        required=True,
        allow_none=True,
        metadata={"description": "Le contrat relié ; null : aucun"},
    )
    notices = fields.List(
        fields.String(),
        metadata={
            "description": "Réponse à une modification : réponses remises à zéro, courriels et courriers "
            "envoyés, heure qui existe deux fois le jour du retour à l'heure d'hiver"
        },
    )


class ListedPersonSchema(ma.Schema):
    """A person on one of the meeting's lists: its invitees, its invitations."""

    person_id = fields.Integer(required=True)
    name = fields.String(required=True)
    email = fields.String(allow_none=True)


class InviteeSchema(ListedPersonSchema):
    qualities = fields.List(fields.String(), required=True)
    source = fields.String(required=True, validate=validate.OneOf([s.value for s in InviteeSource]))
    reason = fields.String(required=True, metadata={"description": "Raison d'un ajout manuel"})


class ConvocationSchema(ma.Schema):
    emails = fields.Integer(required=True, metadata={"description": "Courriels mis en file d'envoi"})
    paper = fields.Integer(required=True, metadata={"description": "Courriers papier à imprimer"})


class DeliverySchema(ma.Schema):
    state = fields.String(
        allow_none=True,
        validate=validate.OneOf([s.value for s in DeliveryState]),
        metadata={"description": "État du dernier courriel ; null pour un courrier papier"},
    )
    attempts = fields.Integer(required=True)
    last_reply = fields.String(required=True, metadata={"description": "Dernière réponse du serveur SMTP"})
    last_code = fields.Integer(
        required=True, allow_none=True, metadata={"description": "Code SMTP de la dernière réponse (ex. 550)"}
    )


class InvitationSchema(ListedPersonSchema):
    channel = fields.String(required=True, validate=validate.OneOf([c.value for c in Channel]))
    answer = fields.String(required=True, validate=validate.OneOf([a.value for a in Answer]))
    answer_label = fields.String(required=True)
    represented_by = fields.String(required=True)
    answered_at = fields.DateTime(allow_none=True)
    answer_source = fields.String(
        allow_none=True,
        metadata={
            "description": "D'où vient la réponse : lien, agenda (réponse d'agenda lue dans la boîte "
            "de l'organisateur) ou organisateur ; null sans réponse"
        },
    )
    delivery = fields.Nested(DeliverySchema, required=True)
