"""Forms of the élus directory: filters, person, mandate."""

from __future__ import annotations

from typing import Any

from wtforms import BooleanField, DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from concertation.people.models import ROLE_BODY, Role
from concertation.people.services import CIVILITIES, DirectoryFilters, MandateData, PersonData
from concertation.people.validation import PersonError, normalise_email
from concertation.territory.forms import (
    FrenchForm,
    GetForm,
    canton_choices,
    commune_choices,
    epci_choices,
    optional_int,
    syndicate_choices,
)

BODY_PREFIXES = {
    "commune": "commune",
    "epci": "intercommunality",
    "canton": "canton",
    "syndicat": "syndicate",
}


ROLE_CHOICES = [SelectChoice(role.value, role.label) for role in Role]


def _body_choices() -> list[SelectChoice]:
    """Every body, grouped by kind, as "kind:id" values (rendered as <optgroup>s)."""
    groups = {
        "commune": ("Communes", commune_choices()),
        "epci": ("Intercommunalités", epci_choices()),
        "canton": ("Cantons", canton_choices()),
        "syndicat": ("Syndicats", syndicate_choices()),
    }
    return [
        SelectChoice(f"{prefix}:{choice.value}", choice.label, optgroup=group)
        for prefix, (group, choices) in groups.items()
        for choice in choices
    ]


class DirectoryFilterForm(GetForm):
    q = StringField("Nom, prénom ou adresse électronique", validators=[Optional(), Length(max=100)])
    role = SelectField(
        "Fonction",
        choices=[SelectChoice("", "Toutes"), *ROLE_CHOICES],
        validators=[Optional()],
    )
    instance = SelectField("Collectivité", validators=[Optional()])
    anciens = BooleanField("Inclure les mandats terminés")

    def load_choices(self) -> None:
        self.instance.choices = [SelectChoice("", "Toutes"), *_body_choices()]

    def filters(self) -> DirectoryFilters:
        """The filters asked for; a value that is not one of the choices is ignored, never an error."""
        self.validate()
        role = Role(self.role.data) if self.role.data and not self.role.errors else None
        body = None
        if self.instance.data and not self.instance.errors:
            prefix, _, body_id = self.instance.data.partition(":")
            body = (BODY_PREFIXES[prefix], int(body_id))
        search = (self.q.data or "") if not self.q.errors else ""
        return DirectoryFilters(
            search=search.strip(), role=role, body=body, include_ended=bool(self.anciens.data)
        )


def _valid_email(form: Any, field: Any) -> None:
    try:
        normalise_email(field.data)
    except PersonError as error:
        raise ValidationError(str(error)) from None


class PersonForm(FrenchForm):
    civility = SelectField(
        "Civilité", choices=[SelectChoice(c, c or "—") for c in CIVILITIES], validators=[Optional()]
    )
    first_name = StringField(
        "Prénom", validators=[DataRequired("Le prénom est obligatoire."), Length(max=100)]
    )
    last_name = StringField("Nom", validators=[DataRequired("Le nom est obligatoire."), Length(max=100)])
    birth_on = DateField("Date de naissance", validators=[Optional()])
    email = StringField(
        "Adresse électronique",
        validators=[Optional(), Length(max=254), _valid_email],
        description="Sans adresse, les convocations partent par courrier papier.",
    )
    phone = StringField("Téléphone", validators=[Optional(), Length(max=40)])
    postal_address = TextAreaField("Adresse postale", validators=[Optional(), Length(max=1000)])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000)])

    def data_for_service(self) -> PersonData:
        return PersonData(
            civility=self.civility.data or "",
            first_name=self.first_name.data or "",
            last_name=self.last_name.data or "",
            birth_on=self.birth_on.data,
            email=self.email.data,
            phone=self.phone.data,
            postal_address=self.postal_address.data or "",
            notes=self.notes.data or "",
        )


class MandateForm(FrenchForm):
    role = SelectField(
        "Fonction",
        choices=ROLE_CHOICES,
        validators=[DataRequired("Choisissez une fonction.")],
    )
    commune_id = SelectField(
        "Commune", coerce=optional_int, description="Pour un maire, un adjoint ou un conseiller municipal."
    )
    intercommunality_id = SelectField(
        "Intercommunalité",
        coerce=optional_int,
        description="Pour un président, vice-président ou conseiller.",
    )
    canton_id = SelectField("Canton", coerce=optional_int, description="Pour un conseiller départemental.")
    syndicate_id = SelectField("Syndicat", coerce=optional_int, description="Pour un président de syndicat.")
    function_label = StringField("Précision (facultatif)", validators=[Optional(), Length(max=200)])
    starts_on = DateField("Début", validators=[Optional()])
    ends_on = DateField("Fin (facultatif)", validators=[Optional()])

    def load_choices(self) -> None:
        none = SelectChoice("", "—")
        self.commune_id.choices = [none, *commune_choices()]
        self.intercommunality_id.choices = [none, *epci_choices()]
        self.canton_id.choices = [none, *canton_choices()]
        self.syndicate_id.choices = [none, *syndicate_choices()]

    def data_for_service(self) -> MandateData:
        role = Role(self.role.data)
        body_field = {
            "commune": self.commune_id,
            "intercommunality": self.intercommunality_id,
            "canton": self.canton_id,
            "syndicate": self.syndicate_id,
        }
        kind = ROLE_BODY[role]
        return MandateData(
            role=role,
            body_id=body_field[kind].data if kind is not None else None,
            starts_on=self.starts_on.data,
            ends_on=self.ends_on.data,
            function_label=self.function_label.data or "",
        )


class EndMandateForm(FrenchForm):
    ends_on = DateField("Date de fin", validators=[DataRequired("Indiquez la date de fin.")])
