"""Follow-up forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.validators import DataRequired

from concertation.followup.models import ReminderKind

MEETING_KINDS = (ReminderKind.UNANSWERED, ReminderKind.EVE, ReminderKind.MINUTES_DRAFT)
CONTRACT_KINDS = (
    ReminderKind.CONTRACT_ANNIVERSARY,
    ReminderKind.CONTRACT_ENDING,
    ReminderKind.AMENDMENT_PENDING,
)


class OptOutForm(FlaskForm):
    kind = SelectField("Rappel", validators=[DataRequired("Choisissez un rappel.")])
    target = HiddenField(validators=[DataRequired()])


class RemoveOptOutForm(FlaskForm):
    """A button that only needs its CSRF token."""
