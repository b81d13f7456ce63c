"""Meeting forms: they parse what the organiser typed; the services decide whether it is valid."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Literal

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.fields.core import Field
from wtforms.validators import Length, Optional

from concertation.core.routing import attach_errors
from concertation.core.text import fold
from concertation.core.timeutils import to_paris
from concertation.extensions import db
from concertation.meetings.calendar import proposed_rendez_vous_year, rendez_vous_title
from concertation.meetings.contracts import AUTO, Link, contract_choices
from concertation.meetings.exceptions import InvalidMeeting
from concertation.meetings.models import (
    ConcertationPurpose,
    Meeting,
    MeetingKind,
    Selector,
)
from concertation.meetings.services import MeetingInput
from concertation.people.models import Person
from concertation.territory.models import Commune, Intercommunality, Sector

NONE_CHOICE = SelectChoice("", "— aucun —")


def _choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """An empty first option, then the others sorted as a French reader expects (accents ignored)."""
    ordered = sorted(pairs, key=lambda pair: fold(pair[1]))
    return [NONE_CHOICE, *(SelectChoice(value, label) for value, label in ordered)]


def _max(n: int) -> Length:
    return Length(max=n, message=f"{n} caractères au maximum.")


class MeetingForm(FlaskForm):
    """Kind, scope, title, purpose, date and times in Europe/Paris, place and agenda.

    Selects do not check their choices: the service answers an unknown value with a French message.
    """

    kind = SelectField(
        "Type de réunion",
        choices=[SelectChoice(k.value, k.label) for k in MeetingKind],
        validate_choice=False,
    )
    sector = SelectField(
        "Secteur (ville principale)",
        description="Pour un Rendez-vous de Territoire (facultatif pour une autre réunion).",
        validate_choice=False,
    )
    intercommunality = SelectField(
        "Communauté de communes",
        description="Pour une concertation territoriale (facultatif pour une autre réunion).",
        validate_choice=False,
    )
    title = StringField("Titre")
    purpose = SelectField(
        "Objet de la concertation",
        choices=[
            SelectChoice("", "— choisir —"),
            *(SelectChoice(p.value, p.label) for p in ConcertationPurpose),
        ],
        validate_choice=False,
    )
    year = StringField(
        "Année du Rendez-vous",
        description="Par défaut, l'année de la date de la réunion.",
        render_kw={"inputmode": "numeric", "maxlength": 4, "pattern": "[0-9]{4}"},
    )
    other_purpose = StringField("Objet (autre réunion)", validators=[Optional(), _max(40)])
    day = DateField(
        "Date (jour/mois/année)",
        validators=[Optional()],
        invalid_value_message="Date invalide : choisissez un jour dans le calendrier.",
    )
    start_time = TimeField(
        "Heure de début (heure de Paris)",
        validators=[Optional()],
        format=["%H:%M", "%H:%M:%S"],
        invalid_value_message="Heure de début invalide (ex. 14:00).",
    )
    end_time = TimeField(
        "Heure de fin (heure de Paris)",
        validators=[Optional()],
        format=["%H:%M", "%H:%M:%S"],
        invalid_value_message="Heure de fin invalide (ex. 17:00).",
    )
    location_name = StringField("Nom du lieu", validators=[Optional(), _max(300)])
    location_address = StringField("Adresse", validators=[Optional(), _max(500)])
    location_commune = SelectField("Commune du lieu", validate_choice=False)
    agenda = TextAreaField(
        "Ordre du jour",
        description="Un point par ligne, dans l'ordre.",
        render_kw={"rows": 6},
    )
    contract = SelectField(
        "Contrat territorial",
        description="Le contrat dont traite la réunion ; changer de communauté de communes le remplace "
        "par le contrat en cours de la nouvelle.",
        validate_choice=False,
    )

    def fill_choices(self, meeting: Meeting | None = None) -> None:
        """Sectors, intercommunalities and communes from the reference data, in French alphabetical order;
        the contracts of the meeting's territory when it exists (a new one takes its CC's contract)."""
        if meeting is not None:
            self.contract.choices = [
                NONE_CHOICE,
                *(
                    SelectChoice(str(c.id), f"{c.title} ({c.intercommunality.name}, {c.stage.label.lower()})")
                    for c in contract_choices(meeting)
                ),
            ]
        towns = db.session.scalars(select(Sector).options(selectinload(Sector.town)))
        self.sector.choices = _choices((s.town.insee_code, s.name) for s in towns)
        epcis = db.session.execute(select(Intercommunality.siren, Intercommunality.name))
        self.intercommunality.choices = _choices((siren, name) for siren, name in epcis)
        communes = db.session.execute(
            select(Commune.insee_code, Commune.name).where(Commune.departement_code == "48")
        )
        self.location_commune.choices = _choices((code, name) for code, name in communes)

    def prefill(self, args: Mapping[str, str], today: date) -> None:
        """Defaults of a new meeting from the query string (kind, town, year, cc).

        ?kind=rendez_vous&town=48095 proposes the first year from this one that the town has not had yet,
        and its title; ?kind=concertation&cc=SIREN proposes the CC.
        """
        kind = args.get("kind", "")
        if kind in {k.value for k in MeetingKind}:
            self.kind.data = kind
        town, siren, asked = args.get("town", ""), args.get("cc", ""), args.get("year", "")
        sector = db.session.scalar(select(Sector).join(Sector.town).where(Commune.insee_code == town))
        if sector is not None:
            self.sector.data = town
            if kind == MeetingKind.RENDEZ_VOUS:
                year = (
                    int(asked)
                    if asked.isascii() and asked.isdigit() and len(asked) == 4
                    else proposed_rendez_vous_year(sector, today)
                )
                self.year.data = str(year)
                self.title.data = rendez_vous_title(sector, year)
        epci = db.session.scalar(select(Intercommunality).where(Intercommunality.siren == siren))
        if epci is not None:
            self.intercommunality.data = siren
            if kind == MeetingKind.CONCERTATION:
                self.title.data = f"Concertation territoriale – {epci.name}"

    def agenda_points(self) -> list[str]:
        return [line.strip() for line in (self.agenda.data or "").splitlines() if line.strip()]

    def to_input(self) -> MeetingInput:
        """The service's input; only the scope and purpose fields of the chosen kind count."""
        kind = self.kind.data or ""
        day = self.day.data
        starts_at = datetime.combine(day, self.start_time.data) if day and self.start_time.data else None
        ends_at = datetime.combine(day, self.end_time.data) if day and self.end_time.data else None
        sector = self.sector.data or None
        siren = self.intercommunality.data or None
        purpose = self.other_purpose.data or ""
        if kind == MeetingKind.RENDEZ_VOUS:
            siren = None
            purpose = self.year.data or ""
        elif kind == MeetingKind.CONCERTATION:
            sector = None
            purpose = self.purpose.data or ""
        return MeetingInput(
            kind=kind,
            title=self.title.data or "",
            starts_at=starts_at,
            ends_at=ends_at,
            purpose=purpose,
            sector_town=sector,
            intercommunality_siren=siren,
            location_name=self.location_name.data or "",
            location_address=self.location_address.data or "",
            location_commune=self.location_commune.data or None,
            agenda=self.agenda_points(),
            contract_id=self._contract_id(),
        )

    def _contract_id(self) -> int | Literal[Link.AUTO] | None:
        # No select (a new meeting), or not posted: the link follows the territory.
        if not self.contract.choices or not self.contract.raw_data:
            return AUTO
        value = (self.contract.data or "").strip()
        if not value:
            return None
        # Anything else than a known id is answered by the service ("Contrat inconnu").
        return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else 0

    def show_errors(self, error: InvalidMeeting, today: date) -> None:
        """Put each message of InvalidMeeting on the field it is about (which depends on the kind)."""
        kind = self.kind.data
        fields = {key: self._field_for(key, kind, today).short_name for key in error.errors}
        attach_errors(self, error, aliases=fields)

    def _field_for(self, key: str, kind: str | None, today: date) -> Field:
        if key == "scope":
            if kind == MeetingKind.CONCERTATION or (
                kind == MeetingKind.AUTRE and self.intercommunality.data and not self.sector.data
            ):
                return self.intercommunality
            return self.sector
        if key == "purpose":
            return {
                MeetingKind.RENDEZ_VOUS.value: self.year,
                MeetingKind.CONCERTATION.value: self.purpose,
            }.get(kind or "", self.other_purpose)
        if key == "starts_at":
            if self.day.data is None or self.day.data < today:
                return self.day
            return self.start_time
        fields = {
            "kind": self.kind,
            "title": self.title,
            "ends_at": self.end_time,
            "location.commune": self.location_commune,
            "contract_id": self.contract,
        }
        return fields.get(key, self.agenda)

    def load(self, meeting: Meeting) -> None:
        """Prefill from a meeting (times shown in Europe/Paris)."""
        start, end = to_paris(meeting.starts_at), to_paris(meeting.ends_at)
        self.kind.data = meeting.kind
        self.sector.data = meeting.sector.town.insee_code if meeting.sector else ""
        self.intercommunality.data = meeting.intercommunality.siren if meeting.intercommunality else ""
        self.title.data = meeting.title
        if meeting.kind == MeetingKind.CONCERTATION:
            self.purpose.data = meeting.purpose
        elif meeting.kind == MeetingKind.RENDEZ_VOUS:
            self.year.data = meeting.purpose
        else:
            self.other_purpose.data = meeting.purpose
        self.day.data = start.date()
        self.start_time.data = start.time()
        self.end_time.data = end.time()
        self.location_name.data = meeting.location_name
        self.location_address.data = meeting.location_address
        self.location_commune.data = meeting.location_commune.insee_code if meeting.location_commune else ""
        self.agenda.data = "\n".join(item.title for item in meeting.agenda_items)
        self.contract.data = str(meeting.contract_id or "")


class InviteeAddForm(FlaskForm):
    person_id = SelectField("Personne", coerce=str, validate_choice=False)
    reason = StringField("Raison de l'ajout", validators=[Optional(), _max(500)])


class InviteeRemoveForm(FlaskForm):
    person_id = HiddenField()
    reason = StringField("Raison du retrait", validators=[Optional(), _max(500)])


class ActionForm(FlaskForm):
    """A button that posts nothing but its CSRF token."""


class RuleForm(FlaskForm):
    kind = SelectField(
        "Type de réunion",
        choices=[SelectChoice(k.value, k.label) for k in MeetingKind],
        validate_choice=False,
    )
    selector = SelectField(
        "Critère", choices=[SelectChoice(s.value, s.label) for s in Selector], validate_choice=False
    )
    person_id = SelectField(
        "Personne (critère « une personne nommément »)", coerce=str, validate_choice=False
    )
    label = StringField(
        "Libellé (facultatif)",
        description="Qualité affichée, par ex. « Lozère Ingénierie (partenaire) ».",
        validators=[Optional(), _max(300)],
    )

    def fill_persons(self, persons: Iterable[Person]) -> None:
        self.person_id.choices = [
            SelectChoice("", "— aucune —"),
            *(SelectChoice(str(p.id), p.full_name) for p in persons),
        ]


class DocumentForm(FlaskForm):
    """A piece to attach: the service checks the file and the title (the contract documents' rules)."""

    # Ids of their own: the meeting page holds other forms.
    title = StringField(
        "Titre",
        id="document-title",
        description="Facultatif : le nom du fichier par défaut.",
        validators=[Optional(), _max(300)],
    )
    file = FileField("Fichier", id="document-file")


class RetitleForm(FlaskForm):
    title = StringField("Nouveau titre", validators=[_max(300)])
