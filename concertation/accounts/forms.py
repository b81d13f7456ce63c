"""Account forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

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
