"""The organiser's poll form, and the answer form built for the slots of one poll."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from wtforms import DateField, FieldList, FormField, RadioField, TextAreaField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from concertation.core.timeutils import paris_to_utc
from concertation.meetings.times import paris_gap
from concertation.polls.models import MAX_SLOTS, PollChoice, PollSlot
from concertation.territory.forms import FrenchForm

TIME_FORMATS = ["%H:%M", "%H:%M:%S"]
CHOICES = [SelectChoice(c.value, c.label) for c in PollChoice]


class SlotRow(FrenchForm):
    """One proposed slot; a row left empty is ignored. A subform: its CSRF is the parent's."""

    class Meta:
        csrf = False

    day = DateField("Date", validators=[Optional()])
    start = TimeField("Début", validators=[Optional()], format=TIME_FORMATS)
    end = TimeField("Fin", validators=[Optional()], format=TIME_FORMATS)


class PollForm(FrenchForm):
    slots = FieldList(FormField(SlotRow), min_entries=MAX_SLOTS, max_entries=MAX_SLOTS)
    deadline_day = DateField("Date limite de réponse (facultative)", validators=[Optional()])
    deadline_time = TimeField("Heure limite", validators=[Optional()], format=TIME_FORMATS)
    message = TextAreaField(
        "Message aux invités (facultatif)",
        validators=[Optional(), Length(max=4000, message="4 000 caractères au maximum.")],
    )

    def slot_values(self) -> list[tuple[datetime, datetime]] | None:
        """The filled rows as UTC (start, end); None (with errors on the rows) when a row is incomplete."""
        values: list[tuple[datetime, datetime]] = []
        ok = True
        for number, entry in enumerate(self.slots.entries, start=1):
            row = entry.form
            parts = (row.day.data, row.start.data, row.end.data)
            if all(p is None for p in parts):
                continue
            if any(p is None for p in parts):
                row.day.errors = [
                    *row.day.errors,
                    f"Créneau {number} : date, début et fin attendus.",
                ]
                ok = False
                continue
            start = datetime.combine(row.day.data, row.start.data)
            end = datetime.combine(row.day.data, row.end.data)
            gaps = [g for g in (paris_gap("début", start), paris_gap("fin", end)) if g]
            if gaps:
                row.day.errors = [*row.day.errors, *(f"Créneau {number} : {g}" for g in gaps)]
                ok = False
                continue
            values.append((paris_to_utc(start), paris_to_utc(end)))
        return values if ok else None

    def deadline_value(self) -> datetime | None:
        if self.deadline_day.data is None:
            return None
        at = self.deadline_time.data or datetime.min.time().replace(hour=12)
        return paris_to_utc(datetime.combine(self.deadline_day.data, at))


def answer_form(slots: Sequence[PollSlot], **kwargs: Any) -> FrenchForm:
    """A form with one "Oui / Si nécessaire / Non" radio per slot (named `slot_<id>`) and a comment."""

    class AnswerForm(FrenchForm):
        comment = TextAreaField(
            "Commentaire (facultatif)",
            validators=[Optional(), Length(max=2000, message="2 000 caractères au maximum.")],
        )

    for slot in slots:
        field = RadioField(
            f"Créneau {slot.position + 1}",
            choices=CHOICES,
            validators=[DataRequired("Choisissez une réponse pour ce créneau.")],
        )
        setattr(AnswerForm, f"slot_{slot.id}", field)
    return AnswerForm(**kwargs)


def answer_choices(form: FrenchForm, slots: Sequence[PollSlot]) -> dict[int, PollChoice]:
    return {slot.id: PollChoice(form[f"slot_{slot.id}"].data) for slot in slots}


class ConfirmForm(FrenchForm):
    """A POST button that only needs its CSRF token."""
