"""The organiser's side of the mailbox on a meeting's invitations page: record the answer a received message
gives (one click), or mark it read. Registered on the invitations blueprint (imported by routes.py)."""

from __future__ import annotations

from flask import flash
from werkzeug.wrappers import Response

from concertation.accounts.current import signed_in_user
from concertation.core.routing import commit_or_flash
from concertation.core.security import organiser_required
from concertation.extensions import db
from concertation.invitations import inbox
from concertation.invitations.exceptions import InvitationError
from concertation.invitations.forms import ConfirmForm
from concertation.invitations.inbox_models import ReceivedMail
from concertation.invitations.routes import _organiser_answer, _to_index, bp


@bp.route("/reunions/<int:meeting_id>/courriels-recus/<int:mail_id>/reponse", methods=["POST"])
@organiser_required
def confirm_received(meeting_id: int, mail_id: int) -> Response:
    mail = db.get_or_404(ReceivedMail, mail_id)
    form = _organiser_answer(meeting_id, mail.meeting_id)
    if form is None:
        return _to_index(meeting_id)
    with commit_or_flash(InvitationError) as outcome:
        applied = inbox.confirm(
            mail, form.answer.data or "", represented_by=form.represented_by.data or "", by=signed_in_user()
        )
        if applied:
            outcome.success = "Réponse enregistrée d'après le message reçu."
    if outcome.committed and not applied:
        flash("Une réponse plus récente était déjà enregistrée : elle est conservée.", "info")
    return _to_index(meeting_id)


@bp.route("/reunions/<int:meeting_id>/courriels-recus/<int:mail_id>/lu", methods=["POST"])
@organiser_required
def read_received(meeting_id: int, mail_id: int) -> Response:
    mail = db.get_or_404(ReceivedMail, mail_id)
    if mail.meeting_id == meeting_id and ConfirmForm().validate_on_submit():
        inbox.mark_read(mail, by=signed_in_user())
        db.session.commit()
        flash("Message marqué comme lu.", "success")
    return _to_index(meeting_id)
