"""The organisers' follow-up page: job runs, actions due, reminders sent, reminders turned off."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from concertation.core.routing import commit_or_flash, form_page
from concertation.core.security import organiser_required
from concertation.core.timeutils import now_utc, today_paris
from concertation.extensions import db
from concertation.followup import optouts
from concertation.followup.actions import due_actions
from concertation.followup.engine import FollowupSettings
from concertation.followup.forms import CONTRACT_KINDS, MEETING_KINDS, OptOutForm, RemoveOptOutForm
from concertation.followup.jobruns import job_states
from concertation.followup.models import ReminderKind, ReminderLog, ReminderOptOut
from concertation.invitations.inbox_poll import mailbox_state
from concertation.notifications.models import OutboxMessage

bp = Blueprint("followup", __name__, url_prefix="/suivi")
PAGE_SIZE = 100


@bp.route("/")
@organiser_required
def index() -> str:
    kind = request.args.get("rappel", "")
    query = select(ReminderLog).order_by(ReminderLog.created_at.desc()).limit(PAGE_SIZE)
    if kind in {k.value for k in ReminderKind}:
        query = query.where(ReminderLog.kind == kind)
    reminders = db.session.scalars(query).all()
    outbox_ids = [r.outbox_message_id for r in reminders if r.outbox_message_id is not None]
    states = {
        m.id: m.state.label
        for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(outbox_ids)))
    }
    opt_outs = db.session.scalars(select(ReminderOptOut).order_by(ReminderOptOut.created_at.desc())).all()
    config = current_app.config
    horizon_days = FollowupSettings.from_config(config).action_due_days
    today = today_paris()
    return render_template(
        "followup/index.html",
        reminders=reminders,
        states=states,
        kinds=list(ReminderKind),
        selected=kind,
        job_states=job_states(
            now_utc(),
            periods=config["HEALTH_LATE_PERIODS"],
            margin_seconds=config["HEALTH_LATE_MARGIN_SECONDS"],
        ),
        actions=due_actions(today, horizon_days),
        mailbox=mailbox_state(config),
        today=today,
        horizon_days=horizon_days,
        opt_outs=opt_outs,
        targets=optouts.describe_targets(opt_outs),
        remove_form=RemoveOptOutForm(),
    )


@bp.route("/desactiver", methods=["GET", "POST"])
@organiser_required
def opt_out() -> str | Response | tuple[str, int]:
    """Turn a reminder kind off for one meeting (`reunion=ID`) or one contract (`contrat=ID`)."""
    target = request.values.get("target") or (
        f"reunion-{request.args['reunion']}"
        if "reunion" in request.args
        else f"contrat-{request.args.get('contrat', '')}"
    )
    kinds = MEETING_KINDS if target.startswith("reunion-") else CONTRACT_KINDS
    form = OptOutForm(target=target)
    form.kind.choices = [(k.value, k.label) for k in kinds]
    label = optouts.target_label(target)
    if label is None:
        flash("Réunion ou contrat introuvable.", "danger")
        return redirect(url_for("followup.index"), 303)
    if form.validate_on_submit():
        with commit_or_flash(
            form=form, invalid=optouts.InvalidOptOut, field="kind", success=f"Rappel désactivé pour {label}."
        ) as outcome:
            optouts.turn_off(ReminderKind(form.kind.data), target)
        if outcome.committed:
            return redirect(url_for("followup.index"), 303)
    return form_page("followup/opt_out.html", form, label=label)


@bp.route("/desactivations/<int:opt_out_id>/supprimer", methods=["POST"])
@organiser_required
def remove_opt_out(opt_out_id: int) -> Response:
    item = db.get_or_404(ReminderOptOut, opt_out_id)
    if RemoveOptOutForm().validate_on_submit():
        db.session.delete(item)
        db.session.commit()
        flash("Rappel réactivé.", "success")
    return redirect(url_for("followup.index"), 303)
