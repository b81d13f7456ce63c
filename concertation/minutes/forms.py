"""Forms of the minutes pages: they parse what the organiser typed; the services decide what is valid.

Selects do not check their choices and amounts stay text: the services answer in French.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from concertation.minutes.actions import ActionInput
from concertation.minutes.attendance import AttendanceEntry, OtherInput
from concertation.minutes.effects import DecisionInput
from concertation.minutes.enums import ActionStatus, AttendanceStatus, AttendeeKind, DecisionKind
from concertation.minutes.minutes import SectionInput

NONE_CHOICE = SelectChoice("", "— choisir —")
DATE_MESSAGE = "Date invalide : choisissez un jour dans le calendrier."


def _date(label: str, description: str = "") -> DateField:
    return DateField(
        label, validators=[Optional()], invalid_value_message=DATE_MESSAGE, description=description
    )


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class AttendanceForm(FlaskForm):
    """One radio group per invitee (`statut-<person_id>`) and its representative (`represente-<id>`)."""

    def entries(self, person_ids: Iterable[int], data: Mapping[str, str]) -> list[AttendanceEntry]:
        return [
            AttendanceEntry(
                person_id=pid,
                status=data.get(f"statut-{pid}", ""),
                represented_by=data.get(f"represente-{pid}", ""),
            )
            for pid in person_ids
            if f"statut-{pid}" in data
        ]


class OtherForm(FlaskForm):
    kind = SelectField(
        "Catégorie",
        choices=[SelectChoice(k.value, k.label) for k in AttendeeKind if k is not AttendeeKind.INVITE],
        validate_choice=False,
    )
    name = StringField("Nom et prénom")
    quality = StringField("Qualité ou organisme", description="Par ex. Directeur de Lozère Ingénierie.")
    email = StringField("Adresse électronique", description="Facultative : elle reçoit le compte rendu.")

    def to_input(self) -> OtherInput:
        return OtherInput(
            kind=self.kind.data or "",
            name=self.name.data or "",
            quality=self.quality.data or "",
            email=self.email.data or "",
        )


class ScanForm(FlaskForm):
    file = FileField("Feuille signée scannée (PDF, JPEG ou PNG)")


class SectionsForm(FlaskForm):
    """The text of each section (`texte-<id>`) and the title of the free ones (`titre-<id>`)."""

    def sections(self, section_ids: Iterable[int], data: Mapping[str, str]) -> list[SectionInput]:
        return [
            SectionInput(
                section_id=sid, body=data.get(f"texte-{sid}", ""), title=data.get(f"titre-{sid}", "")
            )
            for sid in section_ids
            if f"texte-{sid}" in data
        ]


class FreeSectionForm(FlaskForm):
    title = StringField("Titre de la section", description="Par ex. Questions diverses, Tour de table.")


class CorrectionForm(FlaskForm):
    reason = TextAreaField(
        "Objet de la correction", description="Il figure dans la nouvelle version diffusée."
    )


class ContractLinkForm(FlaskForm):
    contract_id = SelectField("Contrat territorial", validate_choice=False)

    def fill(self, contracts: Iterable[tuple[int, str]]) -> None:
        self.contract_id.choices = [NONE_CHOICE, *(SelectChoice(str(i), label) for i, label in contracts)]


class DecisionForm(FlaskForm):
    kind = SelectField(
        "Type de décision",
        choices=[NONE_CHOICE, *(SelectChoice(k.value, k.label) for k in DecisionKind)],
        validate_choice=False,
    )
    agenda_item_id = SelectField("Point de l'ordre du jour", validate_choice=False)
    project_id = SelectField(
        "Fiche projet",
        description="Priorité, plan d'actions, montants, fonds de réserve.",
        validate_choice=False,
    )
    priority = SelectField(
        "Nouvelle priorité",
        choices=[NONE_CHOICE, *(SelectChoice(str(n), f"Priorité {n}") for n in (1, 2, 3))],
        validate_choice=False,
    )
    estimated_cost = StringField("Nouveau coût estimé (HT)", render_kw={"inputmode": "decimal"})
    grant_requested = StringField("Nouvelle aide", render_kw={"inputmode": "decimal"})
    amount = StringField("Montant accordé (fonds de réserve)", render_kw={"inputmode": "decimal"})
    decision_reference = StringField("Référence de la décision (fonds de réserve)")
    amendment_id = SelectField("Avenant", validate_choice=False)
    new_envelope = StringField("Nouvelle enveloppe (avenant proposé)", render_kw={"inputmode": "decimal"})
    voted_on = _date("Date du vote de l'avenant", "Par défaut, le jour de la réunion.")
    signed_on = _date("Date de signature de l'avenant", "Par défaut, le jour de la réunion.")
    text = TextAreaField(
        "Texte de la décision",
        description=(
            "Obligatoire pour une autre décision, l'objet d'un avenant ou l'urgence du fonds de réserve."
        ),
    )

    def fill(
        self,
        items: Iterable[tuple[int, str]],
        projects: Iterable[tuple[int, str]],
        amendments: Iterable[tuple[int, str]],
    ) -> None:
        self.agenda_item_id.choices = [NONE_CHOICE, *(SelectChoice(str(i), t) for i, t in items)]
        self.project_id.choices = [NONE_CHOICE, *(SelectChoice(str(i), t) for i, t in projects)]
        self.amendment_id.choices = [SelectChoice("", "— l'avenant en préparation —")] + [
            SelectChoice(str(i), t) for i, t in amendments
        ]

    def to_input(self) -> DecisionInput:
        return DecisionInput(
            kind=self.kind.data or "",
            agenda_item_id=_int(self.agenda_item_id.data),
            text=self.text.data or "",
            project_id=_int(self.project_id.data),
            priority=self.priority.data or None,
            estimated_cost=self.estimated_cost.data or None,
            grant_requested=self.grant_requested.data or None,
            amendment_id=_int(self.amendment_id.data),
            new_envelope=self.new_envelope.data or None,
            amount=self.amount.data or None,
            decision_reference=self.decision_reference.data or "",
            voted_on=self.voted_on.data,
            signed_on=self.signed_on.data,
        )


class ActionItemForm(FlaskForm):
    title = StringField("Action")
    owner_person_id = SelectField("Responsable : une personne", validate_choice=False)
    owner_service = StringField("… ou un service", description="Par ex. Service des routes du Département.")
    due_on = _date("Échéance")
    decision_id = SelectField("Décision liée", validate_choice=False)

    def fill(self, persons: Iterable[tuple[int, str]], decisions: Iterable[tuple[int, str]]) -> None:
        self.owner_person_id.choices = [
            SelectChoice("", "— aucune —"),
            *(SelectChoice(str(i), n) for i, n in persons),
        ]
        self.decision_id.choices = [
            SelectChoice("", "— aucune —"),
            *(SelectChoice(str(i), s) for i, s in decisions),
        ]

    def to_input(self) -> ActionInput:
        return ActionInput(
            title=self.title.data or "",
            owner_person_id=_int(self.owner_person_id.data),
            owner_service=self.owner_service.data or "",
            due_on=self.due_on.data,
            decision_id=_int(self.decision_id.data),
        )


class ActionStatusForm(FlaskForm):
    status = SelectField(
        "Statut", choices=[SelectChoice(s.value, s.label) for s in ActionStatus], validate_choice=False
    )


ATTENDANCE_CHOICES = [(s.value, s.label) for s in AttendanceStatus]
