"""The organiser's side of the mailbox on a meeting's invitations page: record the answer a received message
gives (one click), or mark it read. Registered on the invitations blueprint (imported by routes.py)."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from concertation.accounts.models import User
from concertation.core.security import organiser_required
from concertation.extensions import db
from concertation.invitations import inbox
from concertation.invitations.exceptions import InvitationError
from concertation.invitations.forms import ConfirmForm, OrganiserAnswerForm
from concertation.invitations.inbox_models import ReceivedMail
from concertation.invitations.routes import bp


def _user() -> User | None:
    user = current_user._get_current_object()
    return user if isinstance(user, User) else None


def _back(meeting_id: int) -> Response:
    return redirect(url_for("invitations.index", meeting_id=meeting_id), 303)


@bp.route("/reunions/<int:meeting_id>/courriels-recus/<int:mail_id>/reponse", methods=["POST"])
@organiser_required
def confirm_received(meeting_id: int, mail_id: int) -> Response:
    mail = db.get_or_404(ReceivedMail, mail_id)
    form = OrganiserAnswerForm()
    if mail.meeting_id != meeting_id or not form.validate_on_submit():
        flash("Réponse invalide : choisissez une réponse.", "danger")
        return _back(meeting_id)
    try:
        applied = inbox.confirm(
            mail, form.answer.data or "", represented_by=form.represented_by.data or "", by=_user()
        )
    except InvitationError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return _back(meeting_id)
    db.session.commit()
    if applied:
        flash("Réponse enregistrée d'après le message reçu.", "success")
    else:
        flash("Une réponse plus récente était déjà enregistrée : elle est conservée.", "info")
    return _back(meeting_id)


@bp.route("/reunions/<int:meeting_id>/courriels-recus/<int:mail_id>/lu", methods=["POST"])
@organiser_required
def read_received(meeting_id: int, mail_id: int) -> Response:
    mail = db.get_or_404(ReceivedMail, mail_id)
    if mail.meeting_id == meeting_id and ConfirmForm().validate_on_submit():
        inbox.mark_read(mail, by=_user())
        db.session.commit()
        flash("Message marqué comme lu.", "success")
    return _back(meeting_id)
