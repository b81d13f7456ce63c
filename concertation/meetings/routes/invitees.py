"""The invitee list of a meeting: manual additions and removals, the update of a frozen list, the export."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from concertation.core.forms_flow import commit_or_flash
from concertation.core.security import organiser_required, reader_required
from concertation.extensions import db
from concertation.guards import parse_id
from concertation.meetings import calendar, invitees
from concertation.meetings.exceptions import MeetingError
from concertation.meetings.forms import ActionForm, InviteeAddForm, InviteeRemoveForm
from concertation.meetings.routes.common import first_error, load_meeting, me
from concertation.people.models import Person


def _back(meeting_id: int, query: str = "") -> BaseResponse:
    args: dict[str, Any] = {"q": query} if query else {}
    return redirect(url_for(".detail", meeting_id=meeting_id, _anchor="invites", **args), 303)


@organiser_required
def add_invitee(meeting_id: int) -> BaseResponse:
    meeting = load_meeting(meeting_id)
    form = InviteeAddForm()
    raw = form.person_id.data or ""
    person = db.session.get(Person, person_id) if (person_id := parse_id(raw)) else None
    if not form.validate_on_submit():
        flash(first_error(form), "danger")
    elif person is None:
        flash("Choisissez une personne parmi les résultats de la recherche.", "danger")
    else:
        if not commit_or_flash(
            lambda: invitees.add_invitee(meeting, person, form.reason.data or "", me()), MeetingError
        ):
            return _back(meeting_id, request.form.get("q", ""))
        flash(f"{person.full_name} est ajouté(e) à la liste des invités.", "success")
    return _back(meeting_id)


@organiser_required
def remove_invitee(meeting_id: int) -> BaseResponse:
    meeting = load_meeting(meeting_id)
    form = InviteeRemoveForm()
    raw = form.person_id.data or ""
    person = db.session.get(Person, person_id) if (person_id := parse_id(raw)) else None
    if not form.validate_on_submit():
        flash(first_error(form), "danger")
    elif person is None:
        flash("Personne introuvable.", "danger")
    else:
        if commit_or_flash(
            lambda: invitees.remove_invitee(meeting, person, form.reason.data or "", me()), MeetingError
        ):
            flash(f"{person.full_name} est retiré(e) de la liste des invités.", "success")
    return _back(meeting_id)


@organiser_required
def apply_diff(meeting_id: int) -> BaseResponse:
    meeting = load_meeting(meeting_id)
    if not ActionForm().validate_on_submit():
        flash("Le formulaire a expiré : rechargez la page.", "danger")
        return _back(meeting_id)
    if not meeting.is_frozen:
        flash("La liste n'est pas encore arrêtée : elle suit déjà les mandats et les règles.", "info")
        return _back(meeting_id)
    # The invitations domain hooks its notifications here: apply_diff sends signals.invitees_changed, whose
    # handler writes invitations for `applied.added` and cancellations for `applied.removed` to the outbox
    # in this same transaction, so they are sent only if this commit succeeds.
    applied = invitees.apply_diff(meeting)
    db.session.commit()
    flash(
        f"Liste mise à jour : {len(applied.added)} ajout(s), {len(applied.removed)} retrait(s).",
        "success",
    )
    return _back(meeting_id)


@reader_required
def export_invitees(meeting_id: int) -> Response:
    meeting = load_meeting(meeting_id)
    return Response(
        calendar.invitees_csv(calendar.invitee_lines(meeting)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="invites-reunion-{meeting.id}.csv"'},
    )
