"""commit_or_flash: the block commits and flashes its success, or rolls back and shows the domain error
(flashed, or on the form); attach_errors puts each message on the field it names."""

from __future__ import annotations

import pytest
from flask import Flask, get_flashed_messages
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from wtforms import Form, StringField
from wtforms.fields import FieldList, FormField

from concertation.accounts.models import User, UserRole
from concertation.accounts.services import create_user
from concertation.core.routing import attach_errors, commit_or_flash
from concertation.extensions import db


class Refused(Exception):
    pass


class Invalid(Refused):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


class Line(Form):
    amount = StringField()


class PageForm(Form):
    title = StringField()
    lines = FieldList(FormField(Line), min_entries=2)


def _users() -> int:
    return db.session.scalar(select(func.count()).select_from(User)) or 0


def test_the_block_commits_then_flashes_its_success(app: Flask) -> None:
    with app.test_request_context():
        with commit_or_flash(Refused, "Enregistré.") as outcome:
            create_user("a@lozere.fr", "mot de passe assez long", UserRole.LECTEUR)
            outcome.success = "Agent a@lozere.fr créé."
        db.session.expunge_all()
        assert outcome.committed and not outcome.refused and not outcome.invalid
        assert _users() == 1
        assert get_flashed_messages(with_categories=True) == [("success", "Agent a@lozere.fr créé.")]


def test_a_refusal_rolls_back_and_is_flashed(app: Flask) -> None:
    with app.test_request_context():
        with commit_or_flash(Refused, "Enregistré.") as outcome:
            create_user("a@lozere.fr", "mot de passe assez long", UserRole.LECTEUR)
            raise Refused("Pas maintenant.")
        assert outcome.refused and not outcome.committed and isinstance(outcome.error, Refused)
        assert _users() == 0
        assert get_flashed_messages(with_categories=True) == [("danger", "Pas maintenant.")]


def test_invalid_input_rolls_back_and_goes_on_the_form(app: Flask) -> None:
    form = PageForm()
    with app.test_request_context():
        with commit_or_flash(Refused, "Enregistré.", form=form, invalid=Invalid) as outcome:
            create_user("a@lozere.fr", "mot de passe assez long", UserRole.LECTEUR)
            raise Invalid({"title": "Titre trop long.", "other": "Autre chose."})
        assert outcome.invalid and not outcome.refused and not outcome.committed
        assert _users() == 0
        assert get_flashed_messages() == []
    assert form.title.errors == ["Titre trop long."]
    assert form.form_errors == ["Autre chose."]


def test_other_errors_go_up_untouched(app: Flask) -> None:
    with app.test_request_context(), pytest.raises(KeyError), commit_or_flash(Refused):
        raise KeyError("bug")


def test_attach_errors_renames_and_reaches_the_lines_of_a_list() -> None:
    form = PageForm()
    attach_errors(
        form,
        Invalid({"name": "Nom requis.", "lines.2.amount": "Montant illisible.", "lines.9.amount": "Perdu."}),
        aliases={"name": "title"},
    )
    assert form.title.errors == ["Nom requis."]
    assert form.lines.entries[1].form.amount.errors == ["Montant illisible."]
    assert form.form_errors == ["Perdu."]


def test_an_error_without_a_mapping_goes_on_its_field_or_on_the_one_given() -> None:
    form = PageForm()
    error = Refused("Statut refusé.")
    attach_errors(form, error, field="title")
    assert form.title.errors == ["Statut refusé."]
    error.field = "lines"  # type: ignore[attr-defined]
    attach_errors(form, error, field="title")
    assert form.lines.errors[-1] == "Statut refusé."


def test_a_refusal_may_be_flashed_as_a_warning(app: Flask) -> None:
    with app.test_request_context():
        with commit_or_flash(Refused, "Enregistré.", category="warning") as outcome:
            raise Refused("Déjà fait.")
        assert outcome.refused
        assert get_flashed_messages(with_categories=True) == [("warning", "Déjà fait.")]


def test_a_field_may_receive_several_messages() -> None:
    form = PageForm()
    error = Refused("Deux fautes.")
    error.errors = {"title": ["Trop long.", "Déjà pris."], "": ["Ailleurs."]}  # type: ignore[attr-defined]
    attach_errors(form, error)
    assert form.title.errors == ["Trop long.", "Déjà pris."]
    assert form.form_errors == ["Ailleurs."]


def test_a_conflict_at_the_commit_rolls_back_and_is_flashed(app: Flask) -> None:
    with app.test_request_context():
        create_user("a@lozere.fr", "mot de passe assez long", UserRole.LECTEUR)
        db.session.commit()
        with commit_or_flash(Refused, "Enregistré.", conflict="Déjà enregistré.") as outcome:
            # The unique address is checked by the database, when the commit flushes the row.
            db.session.add(User(email="a@lozere.fr", password_hash="x", role=UserRole.LECTEUR))
        assert outcome.refused and not outcome.committed and isinstance(outcome.error, IntegrityError)
        assert _users() == 1
        assert get_flashed_messages(with_categories=True) == [("danger", "Déjà enregistré.")]


def test_without_a_conflict_message_the_integrity_error_goes_up(app: Flask) -> None:
    with app.test_request_context():
        create_user("a@lozere.fr", "mot de passe assez long", UserRole.LECTEUR)
        db.session.commit()
        with pytest.raises(IntegrityError), commit_or_flash(Refused):
            db.session.add(User(email="a@lozere.fr", password_hash="x", role=UserRole.LECTEUR))
        db.session.rollback()
