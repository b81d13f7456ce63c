"""The admin's pages: accounts (create, enable/disable, role, password link, API tokens) and the audit
trail (filters, CSV export)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from concertation.accounts import audit, reset, services, tokens
from concertation.accounts.changes import AccountChange, change_account
from concertation.accounts.exceptions import AccountError
from concertation.accounts.forms import AuditFilterForm, ConfirmForm, RoleForm, UserForm
from concertation.accounts.models import User, UserRole
from concertation.accounts.routes import bp, revoke_token_of
from concertation.core.routing import commit_or_flash
from concertation.core.security import admin_required
from concertation.core.timeutils import PARIS, now_utc
from concertation.extensions import db
from concertation.notifications.emails import MailContext


def _users_page(form: UserForm) -> str:
    return render_template(
        "accounts/users.html",
        users=services.users(),
        form=form,
        directory=services.directory_configured(),
    )


@bp.route("/comptes")
@admin_required
def users() -> str:
    return _users_page(UserForm(formdata=None))


@bp.route("/comptes", methods=["POST"])
@admin_required
def create_user() -> Response | tuple[str, int]:
    form = UserForm()
    if form.validate_on_submit():
        with commit_or_flash(
            form=form, invalid=AccountError, field="email", success="Compte créé."
        ) as outcome:
            services.create_user(
                form.email.data or "",
                form.password.data or "",
                UserRole(form.role.data),
                form.name.data or "",
            )
        if outcome.committed:
            return redirect(url_for("accounts.users"), 303)
    return _users_page(form), 422


@bp.route("/comptes/<int:user_id>")
@admin_required
def user_detail(user_id: int) -> str:
    user = db.get_or_404(User, user_id)
    return render_template(
        "accounts/user.html",
        user=user,
        role_form=RoleForm(formdata=None, role=user.role.value),
        confirm_form=ConfirmForm(),
        tokens=tokens.tokens_of(user),
        now=now_utc(),
        directory=services.directory_configured(),
    )


# What the admin reads once the change is committed.
_DONE = {
    AccountChange.ROLE: "Rôle de {user.email} : {user.role.label}.",
    AccountChange.DISABLE: (
        "Compte {user.email} désactivé : ses sessions et ses jetons ne donnent plus accès."
    ),
    AccountChange.ENABLE: "Compte {user.email} réactivé.",
    AccountChange.RESET: "Lien de mot de passe envoyé à {user.email} (valable {hours} heures).",
}


@admin_required
def apply_change(user_id: int, change: AccountChange) -> Response:
    """Run one change on the account from its page's form; every change ends the account's sessions."""
    user = db.get_or_404(User, user_id)
    back = redirect(url_for("accounts.user_detail", user_id=user.id), 303)
    role_form = RoleForm()
    form = role_form if change is AccountChange.ROLE else ConfirmForm()
    if not form.validate_on_submit():
        flash("Formulaire expiré : recommencez.", "danger")
        return back
    role = UserRole(role_form.role.data) if change is AccountChange.ROLE else None
    with commit_or_flash(AccountError) as outcome:
        change_account(user, change, mail=MailContext.from_config(current_app.config), role=role)
        outcome.success = _DONE[change].format(user=user, hours=reset.RESET_HOURS)
    return back


# One endpoint a change (the account's page posts to each), all answered by `apply_change`.
for path, endpoint, account_change in (
    ("role", "change_role", AccountChange.ROLE),
    ("desactiver", "disable", AccountChange.DISABLE),
    ("activer", "enable", AccountChange.ENABLE),
    ("lien-mot-de-passe", "send_reset", AccountChange.RESET),
):
    bp.add_url_rule(
        f"/comptes/<int:user_id>/{path}",
        endpoint,
        apply_change,
        methods=["POST"],
        defaults={"change": account_change},
    )


@bp.route("/comptes/<int:user_id>/jetons/<int:token_id>/revoquer", methods=["POST"])
@admin_required
def revoke_user_token(user_id: int, token_id: int) -> Response:
    revoke_token_of(user_id, token_id)
    return redirect(url_for("accounts.user_detail", user_id=user_id), 303)


def _paris_midnight(day: date | None) -> datetime | None:
    return datetime.combine(day, time(), tzinfo=PARIS) if day is not None else None


def _audit_filters(form: AuditFilterForm) -> audit.AuditFilters:
    form.validate()
    action = form.action.data if form.action.data in set(audit.AuditAction) else None
    until = _paris_midnight(form.until.data) if not form.until.errors else None
    return audit.AuditFilters(
        action=audit.AuditAction(action) if action else None,
        actor=form.actor.data or "",
        since=_paris_midnight(form.since.data) if not form.since.errors else None,
        until=until + timedelta(days=1) if until is not None else None,
    )


@bp.route("/journal")
@admin_required
def audit_trail() -> str:
    form = AuditFilterForm(request.args)
    found = audit.events(_audit_filters(form))
    return render_template(
        "accounts/audit.html",
        form=form,
        events=found,
        retention_days=current_app.config.get("AUDIT_RETENTION_DAYS", 365),
        csv_args=request.args.to_dict(),
    )


@bp.route("/journal.csv")
@admin_required
def audit_csv() -> Response:
    found = audit.events(_audit_filters(AuditFilterForm(request.args)), limit=None)
    return Response(
        audit.events_csv(found),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="journal-{now_utc():%Y-%m-%d}.csv"'},
    )
