"""Contract forms: they parse what the organiser typed; the services decide whether it is valid.

Amounts are text fields ("12 500,50"): the services read them into Decimal with French messages.
Selects do not check their choices: the services answer an unknown value in French.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import FieldList
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from concertation.contracts.enums import (
    AmendmentChangeKind,
    ContractStage,
    DiagnosticHeading,
    PreCheck,
    ProjectStatus,
    Theme,
)
from concertation.contracts.models import Contract, ProjectSheet
from concertation.contracts.money import format_euros
from concertation.contracts.projects import FundingInput, ProjectInput
from concertation.contracts.scope import Owner
from concertation.core.numbers import format_number

NONE_CHOICE = SelectChoice("", "— choisir —")
DATE_MESSAGE = "Date invalide : choisissez un jour dans le calendrier."
AMOUNT_HELP = "En euros, par ex. 12 500,50."


def _date(label: str, description: str = "") -> DateField:
    return DateField(
        label, validators=[Optional()], invalid_value_message=DATE_MESSAGE, description=description
    )


def _amount(label: str, description: str = AMOUNT_HELP) -> StringField:
    return StringField(
        label, description=description, render_kw={"inputmode": "decimal", "autocomplete": "off"}
    )


def _max(n: int) -> Length:
    return Length(max=n, message=f"{format_number(n)} caractères au maximum.")


class ActionForm(FlaskForm):
    """A button that posts nothing but its CSRF token."""


class ContractForm(FlaskForm):
    intercommunality = SelectField("Communauté de communes", validate_choice=False)
    starts_on = _date("Début du contrat", "La fin est fixée à trois ans si vous la laissez vide.")
    ends_on = _date("Fin du contrat (facultatif)")
    title = StringField("Titre (facultatif)", validators=[Optional(), _max(300)])
    envelope = _amount("Enveloppe (crédits affectés par le Département)")

    def fill_choices(self, ccs: Iterable[tuple[str, str]]) -> None:
        self.intercommunality.choices = [NONE_CHOICE, *(SelectChoice(siren, name) for siren, name in ccs)]

    def load(self, contract: Contract) -> None:
        self.title.data = contract.title
        self.starts_on.data = contract.starts_on
        self.ends_on.data = contract.ends_on
        self.envelope.data = format_euros(contract.envelope, symbol=False)


class DiagnosticForm(FlaskForm):
    atouts = TextAreaField(DiagnosticHeading.ATOUTS.label, render_kw={"rows": 5})
    faiblesses = TextAreaField(DiagnosticHeading.FAIBLESSES.label, render_kw={"rows": 5})
    dynamiques = TextAreaField(DiagnosticHeading.DYNAMIQUES.label, render_kw={"rows": 5})
    enjeux = TextAreaField(DiagnosticHeading.ENJEUX.label, render_kw={"rows": 5})
    evaluation = TextAreaField(
        "Évaluation du contrat",
        description="À rédiger avant de déclarer le contrat évalué.",
        render_kw={"rows": 5},
    )

    def load(self, contract: Contract) -> None:
        for heading in DiagnosticHeading:
            self[heading.value].data = contract.diagnostic(heading)
        self.evaluation.data = contract.evaluation

    def texts(self) -> dict[DiagnosticHeading, str]:
        return {heading: self[heading.value].data or "" for heading in DiagnosticHeading}


class StageForm(FlaskForm):
    target = HiddenField()
    on = _date(
        "Date du passage", "Par défaut aujourd'hui ; pour la signature, la date de signature du contrat."
    )


class SignatoryForm(FlaskForm):
    body = SelectField("Partenaire", validate_choice=False)
    deliberation_on = _date("Date de la délibération approuvant le contrat")
    deliberation_reference = StringField("Référence de la délibération", validators=[Optional(), _max(200)])
    signed_on = _date("Date de signature")

    def fill_choices(self, owners: Iterable[Owner]) -> None:
        self.body.choices = [
            NONE_CHOICE,
            SelectChoice("departement:", "Département de la Lozère"),
            *(SelectChoice(owner.key, owner.label) for owner in owners),
        ]


class DocumentForm(FlaskForm):
    title = StringField("Titre (facultatif)", validators=[Optional(), _max(300)])
    file = FileField("Fichier")


class FundingForm(Form):
    funder = StringField("Financeur", validators=[Optional(), _max(200)])
    amount = _amount("Montant", "")


class ProjectForm(FlaskForm):
    title = StringField("Intitulé du projet")
    owner = SelectField("Maître d'ouvrage", validate_choice=False)
    theme = SelectField(
        "Thématique du règlement",
        choices=[NONE_CHOICE, *(SelectChoice(t.value, t.label) for t in Theme)],
        validate_choice=False,
    )
    is_investment = BooleanField(
        "Opération d'investissement (travaux, équipement, acquisition)", default=True
    )
    description = TextAreaField("Description", render_kw={"rows": 5})
    estimated_cost = _amount("Coût estimé (€ HT)")
    grant_requested = _amount("Aide demandée au Département (€)")
    fundings = FieldList(FormField(FundingForm), label="Autres financements", min_entries=3)
    priority = SelectField(
        "Priorité",
        choices=[SelectChoice("1", "1 (la plus haute)"), SelectChoice("2", "2"), SelectChoice("3", "3")],
        validate_choice=False,
    )
    planned_year = SelectField("Année prévue", validate_choice=False)
    deliberation_on = _date("Délibération de l'assemblée du maître d'ouvrage : date")
    deliberation_reference = StringField("Délibération : référence", validators=[Optional(), _max(200)])

    def fill_choices(self, contract: Contract, owners: Iterable[Owner]) -> None:
        self.owner.choices = [NONE_CHOICE, *(SelectChoice(owner.key, owner.label) for owner in owners)]
        years = range(contract.starts_on.year, contract.ends_on.year + 1)
        self.planned_year.choices = [SelectChoice(str(year), str(year)) for year in years]

    def load(self, project: ProjectSheet, owner_key: str) -> None:
        self.title.data = project.title
        self.owner.data = owner_key
        self.theme.data = project.theme
        self.description.data = project.description
        self.estimated_cost.data = format_euros(project.estimated_cost, symbol=False)
        self.grant_requested.data = format_euros(project.grant_requested, symbol=False)
        self.priority.data = str(project.priority)
        self.planned_year.data = str(project.planned_year)
        self.deliberation_on.data = project.deliberation_on
        self.deliberation_reference.data = project.deliberation_reference
        while len(self.fundings) < len(project.fundings) + 1:
            self.fundings.append_entry()
        for entry, funding in zip(self.fundings, project.fundings, strict=False):
            entry.funder.data = funding.funder
            entry.amount.data = format_euros(funding.amount, symbol=False)

    def to_input(self) -> ProjectInput:
        fundings = [
            FundingInput(entry.funder.data or "", entry.amount.data or "")
            for entry in self.fundings
            if (entry.funder.data or "").strip() or (entry.amount.data or "").strip()
        ]
        return ProjectInput(
            title=self.title.data or "",
            owner=self.owner.data or "",
            theme=self.theme.data or "",
            description=self.description.data or "",
            estimated_cost=self.estimated_cost.data or "",
            grant_requested=self.grant_requested.data or "",
            fundings=fundings,
            priority=self.priority.data,
            planned_year=self.planned_year.data,
            deliberation_on=self.deliberation_on.data,
            deliberation_reference=self.deliberation_reference.data or "",
            is_investment=bool(self.is_investment.data),
        )


# Field errors of the services named after the input ("fundings.2.amount") -> form fields.
PROJECT_ALIASES = {"fundings": "estimated_cost"}


class PrecheckForm(FlaskForm):
    result = SelectField(
        "Résultat de la pré-instruction",
        choices=[NONE_CHOICE, *(SelectChoice(p.value, p.label) for p in PreCheck)],
        validate_choice=False,
    )
    reason = TextAreaField("Motif (obligatoire sauf si conforme)", render_kw={"rows": 3})
    on = _date("Date de la pré-instruction")


class StatusForm(FlaskForm):
    status = SelectField(
        "Nouveau statut",
        choices=[SelectChoice(s.value, s.label) for s in ProjectStatus],
        validate_choice=False,
    )
    on = _date("Date")


class AmendmentForm(FlaskForm):
    dated_on = _date("Date de l'avenant")
    reason = TextAreaField("Objet de l'avenant", render_kw={"rows": 4})
    new_envelope = _amount(
        "Nouvelle enveloppe (facultatif)", "Laissez vide si l'avenant ne change pas l'enveloppe."
    )


class AmendmentChangeForm(FlaskForm):
    kind = SelectField(
        "Modification",
        choices=[SelectChoice(k.value, k.label) for k in AmendmentChangeKind],
        validate_choice=False,
    )
    project = SelectField("Fiche projet", validate_choice=False)
    new_cost = _amount("Nouveau coût HT (facultatif)", "")
    new_grant = _amount(
        "Nouvelle aide du Département", "Pour un ajout : laissez vide pour garder l'aide demandée."
    )

    def fill_choices(self, projects: Iterable[ProjectSheet]) -> None:
        self.project.choices = [
            NONE_CHOICE,
            *(
                SelectChoice(
                    str(p.id), f"n° {p.number} {p.title} ({'dans le plan' if p.is_in_plan else 'hors plan'})"
                )
                for p in projects
            ),
        ]


class AmendmentSignForm(FlaskForm):
    voted_on = _date("Date du vote")
    signed_on = _date("Date de signature")


class ReserveForm(FlaskForm):
    project = SelectField("Fiche projet (hors plan)", validate_choice=False)
    amount = _amount("Montant accordé")
    decided_on = _date("Date de la décision")
    decision_body = StringField("Instance qui a décidé", description="Par ex. Commission permanente.")
    decision_reference = StringField("Référence de la décision")
    urgency_reason = TextAreaField("Urgence qui justifie le fonds de réserve", render_kw={"rows": 3})

    def fill_choices(self, projects: Iterable[ProjectSheet]) -> None:
        self.project.choices = [
            NONE_CHOICE,
            *(SelectChoice(str(p.id), f"n° {p.number} {p.title}") for p in projects),
        ]


STAGE_CHOICES = [SelectChoice(s.value, s.label) for s in ContractStage]
