"""Answer and organiser forms."""

from __future__ import annotations

from typing import Any

from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from concertation.invitations.models import Answer
from concertation.territory.forms import FrenchForm

ANSWER_CHOICES = [SelectChoice(a.value, a.label) for a in Answer if a is not Answer.EN_ATTENTE]
ANSWER_VALUES = frozenset(c.value for c in ANSWER_CHOICES)


class AnswerForm(FrenchForm):
    answer = RadioField(
        "Votre réponse", choices=ANSWER_CHOICES, validators=[DataRequired("Choisissez une réponse.")]
    )
    represented_by = StringField(
        "Représenté(e) par (nom et qualité)",
        validators=[Optional(), Length(max=300, message="300 caractères au maximum.")],
    )
    comment = TextAreaField(
        "Commentaire (facultatif)",
        validators=[Optional(), Length(max=2000, message="2 000 caractères au maximum.")],
    )


class OrganiserAnswerForm(AnswerForm):
    """An answer received by phone or letter, entered by the organiser."""


class ConfirmForm(FrenchForm):
    """A POST button that only needs its CSRF token."""


class CancelForm(FrenchForm):
    confirm = BooleanField("Je confirme l'annulation", validators=[DataRequired("Cochez la confirmation.")])


class RemindForm(FrenchForm):
    """ "Relancer les sans-réponse": the token, drawn when the page is shown, makes the click unique."""

    token = HiddenField(validators=[DataRequired("Formulaire de relance expiré : rechargez la page.")])


class NoticeForm(FrenchForm):
    """New documents' "Prévenir les invités": the token, drawn with the page, makes the click unique."""

    token = HiddenField(validators=[DataRequired("Formulaire expiré : rechargez la page.")])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # It shares the invitations page with the relance form: its fields are named apart.
        kwargs.setdefault("prefix", "documents")
        super().__init__(*args, **kwargs)
