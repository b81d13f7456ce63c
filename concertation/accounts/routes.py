"""Login, logout and account administration pages."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from concertation.accounts import services
from concertation.accounts.exceptions import AccountError
from concertation.accounts.forms import LoginForm, UserForm
from concertation.accounts.models import User, UserRole
from concertation.core.security import admin_required
from concertation.extensions import db

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    """`target` if it is a path of this site, else the home page (no open redirect, no header injection).

    Refused: anything but an absolute path ("/..."); "//host", which browsers read as another site; a
    backslash anywhere (browsers read "/\\host" as "//host"); control and format characters, among them CR
    and LF, which would split the Location header (a 500), and the tab and newline that browsers drop from
    a URL, which would turn "/<tab>/host" into "//host"; a scheme or a host, however written.
    """
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not any(unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"} for char in target)
    ):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("main.index")


@bp.route("/connexion", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                form.email.data or "",
                form.password.data or "",
                max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                lock_seconds=current_app.config["LOGIN_LOCK_SECONDS"],
            )
        except AccountError as error:
            db.session.commit()
            flash(str(error), "danger")
            return render_template("accounts/login.html", form=form), 401
        db.session.commit()
        login_user(user, remember=bool(form.remember.data))
        return redirect(_safe_next(request.args.get("next")), 303)
    # A refused submission is a 422, so that a browser and a test see that nothing happened.
    return render_template("accounts/login.html", form=form), 422 if form.is_submitted() else 200


@bp.route("/deconnexion", methods=["POST"])
def logout() -> Response:
    logout_user()
    flash("Vous êtes déconnecté.", "info")
    return redirect(url_for("accounts.login"), 303)


@bp.route("/comptes")
@admin_required
def users() -> str:
    accounts = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("accounts/users.html", users=accounts, form=UserForm())


@bp.route("/comptes", methods=["POST"])
@admin_required
def create_user() -> Response | tuple[str, int]:
    form = UserForm()
    if form.validate_on_submit():
        try:
            services.create_user(
                form.email.data or "",
                form.password.data or "",
                UserRole(form.role.data),
                form.name.data or "",
            )
        except AccountError as error:
            form.email.errors = [*form.email.errors, str(error)]
        else:
            db.session.commit()
            flash("Compte créé.", "success")
            return redirect(url_for("accounts.users"), 303)
    accounts = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("accounts/users.html", users=accounts, form=form), 422
