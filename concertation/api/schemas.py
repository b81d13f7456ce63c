"""marshmallow schemas of the API: query arguments, request bodies and responses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from concertation.people.models import Role

SIREN = validate.Regexp(r"^\d{9}$", error="Un SIREN compte 9 chiffres.")
INSEE = validate.Regexp(r"^[0-9][0-9AB][0-9]{3}$", error="Un code INSEE de commune compte 5 caractères.")


class HealthSchema(ma.Schema):
    status = fields.String(required=True, metadata={"description": "« ok » ou « erreur »"})
    database = fields.String(required=True, metadata={"description": "« ok » ou « injoignable »"})
    detail = fields.String(metadata={"description": "Type de l'erreur de base de données"})


# Territory -----------------------------------------------------------------------------------------------


class CommuneQuerySchema(ma.Schema):
    intercommunality = fields.String(
        validate=SIREN, metadata={"description": "SIREN d'une intercommunalité (adhésion à ce jour)"}
    )
    canton = fields.String(metadata={"description": "Code d'un canton, par exemple 4810"})
    sector = fields.String(
        validate=INSEE, metadata={"description": "Code INSEE de la ville principale d'un secteur"}
    )
    q = fields.String(metadata={"description": "Partie du nom, sans tenir compte des accents"})


class CommuneSchema(ma.Schema):
    insee_code = fields.String(required=True)
    name = fields.String(required=True)
    siren = fields.String(allow_none=True)
    postal_codes = fields.List(fields.String(), required=True)
    population = fields.Integer(allow_none=True)
    intercommunality_siren = fields.String(
        allow_none=True, metadata={"description": "Intercommunalité de la commune à ce jour"}
    )
    canton_codes = fields.List(fields.String(), required=True, metadata={"description": "Mende en a deux"})


class IntercommunalitySchema(ma.Schema):
    siren = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "CC, CA, CU ou METRO"})
    population = fields.Integer(allow_none=True)
    members_count = fields.Integer(required=True, metadata={"description": "Communes membres à ce jour"})
    member_insee_codes = fields.List(fields.String(), required=True)


class CantonSchema(ma.Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    seat_insee_code = fields.String(allow_none=True, metadata={"description": "Bureau centralisateur"})
    commune_codes = fields.List(fields.String(), required=True)


class SectorSchema(ma.Schema):
    town_insee_code = fields.String(required=True)
    name = fields.String(required=True)
    intercommunality_sirens = fields.List(fields.String(), required=True)
    extra_commune_codes = fields.List(fields.String(), required=True)
    commune_codes = fields.List(
        fields.String(), required=True, metadata={"description": "Toutes les communes du secteur à ce jour"}
    )


class SyndicateSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    siren = fields.String(allow_none=True)
    purpose = fields.String(required=True)
    member_commune_codes = fields.List(fields.String(), required=True)
    member_intercommunality_sirens = fields.List(fields.String(), required=True)


@dataclass(frozen=True)
class SyndicateInput:
    """A new syndicate as the API received it, its shape already checked."""

    name: str
    siren: str | None
    purpose: str
    commune_codes: list[str]
    intercommunality_sirens: list[str]


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ma.ValidationError("Le nom ne peut pas être vide.")


class SyndicateCreateSchema(ma.Schema):
    name = fields.String(
        required=True,
        validate=[validate.Length(max=200, error="200 caractères au maximum."), _not_blank],
        error_messages={"required": "Le nom du syndicat est obligatoire."},
    )
    siren = fields.String(load_default=None, allow_none=True, validate=SIREN)
    purpose = fields.String(
        load_default="", validate=validate.Length(max=500, error="500 caractères au maximum.")
    )
    commune_codes = fields.List(
        fields.String(validate=INSEE), load_default=list, metadata={"description": "Codes INSEE des communes"}
    )
    intercommunality_sirens = fields.List(
        fields.String(validate=SIREN), load_default=list, metadata={"description": "SIREN des EPCI membres"}
    )

    @ma.validates_schema
    def has_members(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data.get("commune_codes") and not data.get("intercommunality_sirens"):
            raise ma.ValidationError(
                "Indiquez au moins une commune ou une intercommunalité membre.", field_name="commune_codes"
            )

    @ma.post_load
    def make_input(self, data: dict[str, Any], **kwargs: Any) -> SyndicateInput:
        siren = data["siren"] or None
        return SyndicateInput(
            name=data["name"].strip(),
            siren=siren,
            purpose=data["purpose"].strip(),
            commune_codes=list(dict.fromkeys(data["commune_codes"])),
            intercommunality_sirens=list(dict.fromkeys(data["intercommunality_sirens"])),
        )


# People --------------------------------------------------------------------------------------------------


class PeopleQuerySchema(ma.Schema):
    role = fields.Enum(Role, by_value=True, metadata={"description": "Personnes ayant un mandat de ce rôle"})
    q = fields.String(metadata={"description": "Mots du nom, du prénom ou de l'adresse électronique"})
    current = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Seulement les personnes ayant un mandat en cours (du rôle demandé) à ce jour"
        },
    )


class BodySchema(ma.Schema):
    type = fields.String(
        required=True, metadata={"description": "commune, intercommunality, canton, syndicate ou departement"}
    )
    code = fields.String(allow_none=True, metadata={"description": "Code INSEE, SIREN ou code du canton"})
    name = fields.String(required=True)


class MandateSchema(ma.Schema):
    id = fields.Integer(required=True)
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in Role]))
    role_label = fields.String(required=True)
    function_label = fields.String(required=True, metadata={"description": "Fonction telle que publiée"})
    body = fields.Nested(BodySchema, required=True)
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    is_current = fields.Boolean(required=True)
    quality = fields.String(required=True, metadata={"description": "Par exemple « Maire de Marvejols »"})
    source = fields.String(required=True, metadata={"description": "rne ou manual"})


class PersonSchema(ma.Schema):
    id = fields.Integer(required=True)
    civility = fields.String(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    full_name = fields.String(required=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    mandates = fields.List(fields.Nested(MandateSchema), required=True)
