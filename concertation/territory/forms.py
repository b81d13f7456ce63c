"""Forms of the territory pages: list filters, sector and syndicate editing."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.i18n import get_translations
from wtforms.validators import DataRequired, Length, Optional, Regexp

from concertation.territory import queries

MULTIPLE_HINT = (
    "Ctrl (ou Cmd) + clic pour en choisir plusieurs ; tapez les premières lettres pour atteindre un nom."
)


@cache
def _french() -> Any:
    return get_translations(["fr"])


class FrenchForm(FlaskForm):
    """A form whose built-in WTForms messages ("Not a valid date value.") come out in French."""

    class Meta:
        def get_translations(self, form: Any) -> Any:
            return _french()


class GetForm(FrenchForm):
    """A filter form read from the query string, without CSRF token."""

    class Meta:
        csrf = False


def optional_int(value: Any) -> int | None:
    """Coerce a select's value: blank means no choice."""
    if value in (None, ""):
        return None
    return int(value)


def commune_choices() -> list[SelectChoice]:
    return [SelectChoice(str(c.id), f"{c.name} ({c.insee_code})") for c in queries.all_communes()]


def epci_choices() -> list[SelectChoice]:
    return [SelectChoice(str(e.id), e.name) for e in queries.all_intercommunalities()]


def canton_choices() -> list[SelectChoice]:
    return [SelectChoice(str(c.id), f"{c.name} ({c.code})") for c in queries.all_cantons()]


def syndicate_choices() -> list[SelectChoice]:
    return [SelectChoice(str(s.id), s.name) for s in queries.all_syndicates()]


class CommuneFilterForm(GetForm):
    q = StringField("Nom, code INSEE ou code postal", validators=[Optional(), Length(max=100)])
    cc = SelectField("Intercommunalité", validators=[Optional()])
    canton = SelectField("Canton", validators=[Optional()])
    secteur = SelectField("Secteur", coerce=optional_int, validators=[Optional()])

    def load_choices(self) -> None:
        self.cc.choices = [("", "Toutes")] + [(e.siren, e.name) for e in queries.all_intercommunalities()]
        self.canton.choices = [("", "Tous")] + [
            (c.code, f"{c.name} ({c.code})") for c in queries.all_cantons()
        ]
        self.secteur.choices = [("", "Tous")] + [(s.id, s.name) for s in queries.all_sectors()]


def ids_field(label: str, *, size: int, description: str = "") -> SelectMultipleField:
    """A multiple select of ids, `size` rows tall, whose description ends with how to choose several."""
    hint = f"{description} {MULTIPLE_HINT}" if description else MULTIPLE_HINT
    return SelectMultipleField(label, coerce=int, render_kw={"size": size}, description=hint)


class SectorForm(FrenchForm):
    intercommunalities = ids_field(
        "Intercommunalités du secteur",
        size=8,
        description="Toutes leurs communes membres à la date du jour font partie du secteur.",
    )
    extra_communes = ids_field(
        "Communes rattachées individuellement",
        size=12,
        description="Communes hors de ces intercommunalités (par exemple Le Rozier pour Florac).",
    )

    def load_choices(self) -> None:
        self.intercommunalities.choices = epci_choices()
        self.extra_communes.choices = commune_choices()


class SyndicateForm(FrenchForm):
    name = StringField(
        "Nom", validators=[DataRequired("Le nom du syndicat est obligatoire."), Length(max=200)]
    )
    siren = StringField(
        "SIREN (facultatif)",
        validators=[
            Optional(),
            Regexp(r"^\s*(\d\s*){9}$", message="Le SIREN doit comporter exactement 9 chiffres."),
        ],
        description="9 chiffres, par exemple 200 069 102.",
    )
    purpose = TextAreaField(
        "Objet", validators=[Optional(), Length(max=500, message="500 caractères au plus.")]
    )
    communes = ids_field("Communes membres", size=12)
    intercommunalities = ids_field("Intercommunalités membres", size=8)

    def load_choices(self) -> None:
        self.communes.choices = commune_choices()
        self.intercommunalities.choices = epci_choices()


class ConfirmForm(FrenchForm):
    """A form with nothing but its CSRF token, behind a confirmation button."""
