"""Account forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from concertation.accounts.audit import AuditAction
from concertation.accounts.models import UserRole


class LoginForm(FlaskForm):
    email = EmailField("Adresse électronique", validators=[DataRequired("Indiquez votre adresse.")])
    password = PasswordField("Mot de passe", validators=[DataRequired("Indiquez votre mot de passe.")])
    remember = BooleanField("Rester connecté")


class UserForm(FlaskForm):
    email = EmailField(
        "Adresse électronique",
        validators=[DataRequired("L'adresse est obligatoire."), Email("Adresse invalide.")],
    )
    name = StringField("Nom", validators=[Optional(), Length(max=200)])
    role = SelectField("Rôle", choices=[(r.value, r.label) for r in UserRole])
    password = PasswordField(
        "Mot de passe (12 caractères minimum)",
        validators=[
            DataRequired("Le mot de passe est obligatoire."),
            Length(min=12, message="12 caractères minimum."),
        ],
    )


class RoleForm(FlaskForm):
    role = SelectField("Rôle", choices=[SelectChoice(r.value, r.label) for r in UserRole])


class ConfirmForm(FlaskForm):
    """A button whose only field is the CSRF token."""


class TokenForm(FlaskForm):
    name = StringField(
        "Nom du jeton",
        validators=[DataRequired("Nommez le jeton (à quoi il sert)."), Length(max=100)],
        description="Par exemple : « Tableur de suivi » ou « Script de la DSI ».",
    )


class PasswordForm(FlaskForm):
    password = PasswordField(
        "Nouveau mot de passe (12 caractères minimum)",
        validators=[
            DataRequired("Le mot de passe est obligatoire."),
            Length(min=12, message="12 caractères minimum."),
        ],
    )
    confirm = PasswordField(
        "Confirmez le mot de passe",
        validators=[
            DataRequired("Confirmez le mot de passe."),
            EqualTo("password", "Les deux saisies diffèrent."),
        ],
    )


class AuditFilterForm(FlaskForm):
    """The filters of the audit page, read from the query string."""

    class Meta:
        csrf = False

    # The page opens without any filter: "" (all actions) is the default, and an unknown action is ignored.
    action = SelectField(
        "Action",
        choices=[SelectChoice("", "Toutes"), *[SelectChoice(a.value, a.label) for a in AuditAction]],
        default="",
        validate_choice=False,
    )
    actor = StringField("Par (adresse)", validators=[Optional(), Length(max=254)])
    since = DateField(
        "Du", validators=[Optional()], invalid_value_message="Date invalide : choisissez un jour."
    )
    until = DateField(
        "Au (inclus)", validators=[Optional()], invalid_value_message="Date invalide : choisissez un jour."
    )
