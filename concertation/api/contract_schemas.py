"""marshmallow schemas of the contracts API: query arguments, request bodies, responses.

Amounts are strings with two decimals in answers ("12500.50"): a JSON number would go through a float.
Requests accept a string, French ("12 500,50") or plain ("12500.50"), or a number.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from concertation.api.schemas import SIREN
from concertation.contracts.enums import ContractStage
from concertation.contracts.money import AmountError, parse_amount, plain_amount
from concertation.contracts.settings import MAX_TEXT, MAX_TITLE

STAGES = [s.value for s in ContractStage]
STAGE = validate.OneOf(STAGES, error="Étape inconnue : choisissez {choices}.")


class Amount(fields.Field[Decimal]):
    """An amount in euros: "12500.50" in answers; a string or a number in requests, never negative."""

    def __init__(self, *, metadata: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(metadata={"type": "string", "example": "12500.50", **(metadata or {})}, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else plain_amount(Decimal(value))

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ma.ValidationError("Montant attendu : texte (« 12 500,50 ») ou nombre.")
        try:
            return parse_amount(value)
        except AmountError as error:
            raise ma.ValidationError(str(error)) from None


def _amount(description: str, **kwargs: Any) -> Amount:
    return Amount(metadata={"description": description}, **kwargs)


def _text() -> fields.String:
    return fields.String(validate=validate.Length(max=MAX_TEXT))


# Requests ----------------------------------------------------------------------------------------------


class ContractQuerySchema(ma.Schema):
    intercommunality = fields.String(
        validate=SIREN, metadata={"description": "SIREN de la communauté de communes"}
    )
    stage = fields.String(
        validate=STAGE,
        metadata={"description": "Étape du contrat"},
    )
    year = fields.Integer(
        validate=validate.Range(min=2000, max=2100),
        metadata={"description": "Contrats en cours cette année-là"},
    )


class ContractCreateSchema(ma.Schema):
    intercommunality = fields.String(
        required=True,
        validate=SIREN,
        error_messages={"required": "Le SIREN de la communauté de communes est obligatoire."},
        metadata={"description": "SIREN de la communauté de communes"},
    )
    starts_on = fields.Date(required=True, error_messages={"required": "La date de début est obligatoire."})
    ends_on = fields.Date(metadata={"description": "Par défaut trois ans après le début, la veille"})
    title = fields.String(load_default="", validate=validate.Length(max=MAX_TITLE))
    envelope = _amount("Enveloppe (crédits affectés par le Département)", load_default="0")


class DiagnosticSchema(ma.Schema):
    """One key per `DiagnosticHeading`."""

    atouts = _text()
    faiblesses = _text()
    dynamiques = _text()
    enjeux = _text()


class ContractPatchSchema(ma.Schema):
    """Keys left out keep their value; `stage` moves the contract to the next stage, on `stage_on`."""

    title = fields.String(
        validate=validate.Length(
            min=1, max=MAX_TITLE, error=f"Le titre compte de 1 à {MAX_TITLE} caractères."
        )
    )
    starts_on = fields.Date()
    ends_on = fields.Date()
    envelope = _amount("Enveloppe (avant signature seulement)")
    diagnostic = fields.Nested(
        DiagnosticSchema, metadata={"description": "Rubriques du diagnostic, texte simple"}
    )
    evaluation = _text()
    stage = fields.String(
        validate=STAGE,
        metadata={"description": "Étape suivante ; 409 si ses conditions ne sont pas remplies"},
    )
    stage_on = fields.Date(metadata={"description": "Date du passage d'étape (aujourd'hui par défaut)"})

    @ma.validates_schema
    def not_empty(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data:
            raise ma.ValidationError("Aucun champ à modifier.", field_name="_schema")


class FundingSchema(ma.Schema):
    funder = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200, error="Le financeur compte de 1 à 200 caractères."),
    )
    amount = _amount("Montant de ce financement", required=True)


class ProjectCreateSchema(ma.Schema):
    title = fields.String(required=True, error_messages={"required": "Le titre du projet est obligatoire."})
    owner = fields.String(
        required=True,
        error_messages={"required": "Le maître d'ouvrage est obligatoire."},
        metadata={
            "description": "commune:CODE_INSEE, intercommunality:SIREN ou syndicate:ID",
            "example": "commune:48092",
        },
    )
    theme = fields.String(
        required=True,
        error_messages={"required": "La thématique est obligatoire."},
        metadata={"description": "economie, services, voirie, cadre_de_vie, urbanisme ou eau"},
    )
    description = fields.String(load_default="")
    estimated_cost = _amount("Coût estimé HT", required=True)
    grant_requested = _amount("Aide demandée au Département", required=True)
    fundings = fields.List(fields.Nested(FundingSchema), load_default=list)
    priority = fields.Integer(required=True, metadata={"description": "1, 2 ou 3"})
    planned_year = fields.Integer(
        required=True, metadata={"description": "Une année de la période du contrat"}
    )
    deliberation_on = fields.Date(load_default=None, allow_none=True)
    deliberation_reference = fields.String(load_default="")
    is_investment = fields.Boolean(
        load_default=True, metadata={"description": "Opération d'investissement (seules éligibles)"}
    )


# Responses ---------------------------------------------------------------------------------------------


class BodyRefSchema(ma.Schema):
    kind = fields.String(required=True)
    code = fields.String(
        allow_none=True, metadata={"description": "Code INSEE, SIREN ou identifiant du syndicat"}
    )
    name = fields.String(required=True)


class ContractSummarySchema(ma.Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    intercommunality = fields.Nested(BodyRefSchema, required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    stage = fields.String(required=True)
    stage_label = fields.String(required=True)
    envelope = Amount(required=True)
    plan_grant = Amount(required=True, metadata={"description": "Aides inscrites au plan d'actions"})
    reserve_total = Amount(required=True, metadata={"description": "Aides du fonds de réserve (hors plan)"})
    projects_count = fields.Integer(required=True)
    is_demo = fields.Boolean(required=True)


class StageSchema(ma.Schema):
    stage = fields.String(required=True)
    label = fields.String(required=True)
    on = fields.Date(allow_none=True)


class SignatorySchema(ma.Schema):
    body = fields.Nested(BodyRefSchema, required=True)
    deliberation_on = fields.Date(allow_none=True)
    deliberation_reference = fields.String(required=True)
    signed_on = fields.Date(allow_none=True)


class DocumentSchema(ma.Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    filename = fields.String(required=True)
    size = fields.Integer(required=True)
    uploaded_at = fields.DateTime(required=True)


class AmendmentChangeSchema(ma.Schema):
    kind = fields.String(required=True, metadata={"description": "add, remove ou amount"})
    project_number = fields.Integer(required=True)
    new_cost = Amount(allow_none=True)
    new_grant = Amount(allow_none=True)
    old_cost = Amount(allow_none=True)
    old_grant = Amount(allow_none=True)


class AmendmentSchema(ma.Schema):
    number = fields.Integer(required=True)
    dated_on = fields.Date(required=True)
    reason = fields.String(required=True)
    voted_on = fields.Date(allow_none=True)
    signed_on = fields.Date(allow_none=True)
    new_envelope = Amount(allow_none=True)
    changes = fields.List(fields.Nested(AmendmentChangeSchema), required=True)


class ContractSchema(ContractSummarySchema):
    diagnostic = fields.Nested(DiagnosticSchema, required=True)
    evaluation = fields.String(required=True)
    next_stage = fields.String(allow_none=True)
    stages = fields.List(fields.Nested(StageSchema), required=True)
    signatories = fields.List(fields.Nested(SignatorySchema), required=True)
    documents = fields.List(fields.Nested(DocumentSchema), required=True)
    amendments = fields.List(fields.Nested(AmendmentSchema), required=True)


class ProjectFundingSchema(ma.Schema):
    funder = fields.String(required=True)
    amount = Amount(required=True)


class ProjectSchema(ma.Schema):
    id = fields.Integer(required=True)
    number = fields.Integer(required=True)
    title = fields.String(required=True)
    owner = fields.Nested(BodyRefSchema, required=True)
    theme = fields.String(required=True)
    theme_label = fields.String(required=True)
    description = fields.String(required=True)
    estimated_cost = Amount(required=True)
    grant_requested = Amount(required=True)
    fundings = fields.List(fields.Nested(ProjectFundingSchema), required=True)
    priority = fields.Integer(required=True)
    planned_year = fields.Integer(required=True)
    deliberation_on = fields.Date(allow_none=True)
    deliberation_reference = fields.String(required=True)
    precheck = fields.String(
        allow_none=True, metadata={"description": "conforme, a_completer ou non_eligible"}
    )
    precheck_reason = fields.String(required=True)
    status = fields.String(required=True)
    status_label = fields.String(required=True)
    is_in_plan = fields.Boolean(required=True)
    reserve_amount = Amount(
        allow_none=True, metadata={"description": "Aide du fonds de réserve, s'il y en a une"}
    )


class TotalSchema(ma.Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    count = fields.Integer(required=True)
    cost = Amount(required=True)
    grant = Amount(required=True)
    other = Amount(required=True)
    share = fields.Decimal(
        as_string=True, allow_none=True, metadata={"description": "Part de l'enveloppe, en %"}
    )


class PlanLineSchema(ma.Schema):
    project_id = fields.Integer(required=True)
    number = fields.Integer(required=True)
    title = fields.String(required=True)
    owner = fields.String(required=True)
    theme = fields.String(required=True)
    priority = fields.Integer(required=True)
    year = fields.Integer(required=True)
    status = fields.String(required=True)
    cost = Amount(required=True)
    grant = Amount(required=True)
    other = Amount(required=True)


class ReserveLineSchema(ma.Schema):
    number = fields.Integer(required=True)
    title = fields.String(required=True)
    owner = fields.String(required=True)
    amount = Amount(required=True)
    decided_on = fields.Date(required=True)
    decision_body = fields.String(required=True)
    decision_reference = fields.String(required=True)


class AmendmentStepSchema(ma.Schema):
    number = fields.Integer(required=True)
    is_signed = fields.Boolean(required=True)
    before_grant = Amount(required=True)
    after_grant = Amount(required=True)
    before_envelope = Amount(required=True)
    after_envelope = Amount(required=True)
    before_projects = fields.List(fields.Integer(), required=True)
    after_projects = fields.List(fields.Integer(), required=True)


class PlanSchema(ma.Schema):
    envelope = Amount(required=True)
    total = fields.Nested(TotalSchema, required=True)
    remaining = Amount(
        required=True, metadata={"description": "Enveloppe moins les aides du plan (négatif si dépassée)"}
    )
    is_over_envelope = fields.Boolean(required=True)
    by_theme = fields.List(fields.Nested(TotalSchema), required=True)
    by_priority = fields.List(fields.Nested(TotalSchema), required=True)
    by_year = fields.List(fields.Nested(TotalSchema), required=True)
    by_owner = fields.List(fields.Nested(TotalSchema), required=True)
    lines = fields.List(fields.Nested(PlanLineSchema), required=True)
    reserve_total = Amount(required=True)
    reserve = fields.List(fields.Nested(ReserveLineSchema), required=True)
    amendments = fields.List(fields.Nested(AmendmentStepSchema), required=True)


class EventSchema(ma.Schema):
    id = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    kind = fields.String(required=True)
    summary = fields.String(required=True)
    user = fields.String(
        allow_none=True, metadata={"description": "Adresse du compte qui a fait le changement"}
    )
    project_number = fields.Integer(allow_none=True)
    meeting_id = fields.Integer(allow_none=True)
    details = fields.Dict(required=True)
