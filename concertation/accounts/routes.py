"""Login, logout, the password link and "Mon compte" (password, API tokens).

The admin pages (accounts, audit trail) are in `admin.py`, on the same blueprint.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from concertation.accounts import audit, reset, services, sessions, tokens
from concertation.accounts.current import signed_in_user
from concertation.accounts.exceptions import AccountError, LoginThrottled
from concertation.accounts.forms import ConfirmForm, LoginForm, PasswordForm, TokenForm
from concertation.accounts.models import ApiToken
from concertation.core.routing import commit_or_flash, form_page
from concertation.core.timeutils import now_utc
from concertation.extensions import db

bp = Blueprint("accounts", __name__)

T = TypeVar("T")


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
def login() -> str | Response | tuple[str, int] | tuple[str, int, dict[str, str]]:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                form.email.data or "", form.password.data or "", source=audit.source_address()
            )
        except LoginThrottled as error:
            db.session.commit()
            flash(str(error), "danger")
            page = render_template("accounts/login.html", form=form)
            return page, 429, {"Retry-After": str(error.seconds)}
        except AccountError as error:
            db.session.commit()
            flash(str(error), "danger")
            return render_template("accounts/login.html", form=form), 401
        remember = sessions.issue_remember_token(user) if form.remember.data else None
        db.session.commit()
        login_user(user)
        response = redirect(_safe_next(request.args.get("next")), 303)
        if remember is not None:
            sessions.set_remember_cookie(current_app, response, remember)
        return response
    # A refused submission is a 422, so that a browser and a test see that nothing happened.
    return form_page("accounts/login.html", form)


@bp.route("/deconnexion", methods=["POST"])
def logout() -> Response:
    """Logging out ends every session of the account, in every browser (and its remember cookies)."""
    if current_user.is_authenticated:
        user = signed_in_user()
        audit.record(audit.AuditAction.LOGOUT, user.email)
        sessions.end_all_sessions(user)
        db.session.commit()
    logout_user()
    flash("Vous êtes déconnecté.", "info")
    response = redirect(url_for("accounts.login"), 303)
    sessions.clear_remember_cookie(response)
    return response


def _password_saved(form: PasswordForm, success: str, save: Callable[[T, str], object], whose: T) -> bool:
    """Save the form's new password with `save(whose, password)`; once committed, end this session too.

    A refused password (too short...) goes on the form's field.
    """
    with commit_or_flash(form=form, invalid=AccountError, field="password", success=success) as outcome:
        save(whose, form.password.data or "")
    if outcome.committed:
        logout_user()
    return outcome.committed


@bp.route("/mot-de-passe/<token>", methods=["GET", "POST"])
def password_link(token: str) -> str | Response | tuple[str, int]:
    """The one-time link of a password reset: choose a new password, then log in with it."""
    try:
        user = reset.valid_reset(token).user
    except AccountError as error:
        return render_template("accounts/reset_invalid.html", message=str(error)), 410
    form = PasswordForm()
    if form.validate_on_submit() and _password_saved(
        form, "Mot de passe enregistré : connectez-vous avec lui.", reset.use_reset, token
    ):
        return redirect(url_for("accounts.login"), 303)
    return form_page("accounts/reset.html", form, user=user)


def _account_page(
    password_form: PasswordForm | None = None, token_form: TokenForm | None = None, new_secret: str = ""
) -> str:
    user = signed_in_user()
    return render_template(
        "accounts/account.html",
        user=user,
        password_form=password_form or PasswordForm(formdata=None),
        token_form=token_form or TokenForm(formdata=None),
        confirm_form=ConfirmForm(),
        tokens=tokens.tokens_of(user),
        token_days=tokens.token_days(),
        new_secret=new_secret,
        directory=services.directory_configured(),
        now=now_utc(),
    )


@bp.route("/compte")
@login_required
def account() -> str:
    return _account_page()


@bp.route("/compte/mot-de-passe", methods=["POST"])
@login_required
def change_password() -> Response | tuple[str, int]:
    form = PasswordForm()
    success = "Mot de passe changé : toutes vos sessions sont fermées, reconnectez-vous."
    if form.validate_on_submit() and _password_saved(form, success, services.set_password, signed_in_user()):
        return redirect(url_for("accounts.login"), 303)
    return _account_page(password_form=form), 422


@bp.route("/compte/jetons", methods=["POST"])
@login_required
def create_token() -> str | tuple[str, int]:
    form = TokenForm()
    if not form.validate_on_submit():
        return _account_page(token_form=form), 422
    _, secret = tokens.issue(signed_in_user(), form.name.data or "")
    db.session.commit()
    # Shown once, on this page: only its digest is kept.
    return _account_page(new_secret=secret)


def revoke_token_of(user_id: int, token_id: int) -> None:
    """Revoke the API token `token_id` of the account `user_id`, from a confirmed form, and say so."""
    token = db.get_or_404(ApiToken, token_id)
    if token.user_id != user_id or not ConfirmForm().validate_on_submit():
        flash("Demande invalide.", "danger")
        return
    tokens.revoke(token)
    db.session.commit()
    flash(f"Jeton « {token.name} » révoqué.", "success")


@bp.route("/compte/jetons/<int:token_id>/revoquer", methods=["POST"])
@login_required
def revoke_token(token_id: int) -> Response:
    revoke_token_of(signed_in_user().id, token_id)
    return redirect(url_for("accounts.account"), 303)


from concertation.accounts import admin as admin  # noqa: E402  - registers the admin pages on bp
