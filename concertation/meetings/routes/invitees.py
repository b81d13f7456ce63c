"""The invitee list of a meeting: manual additions and removals, the update of a frozen list, the export."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, flash, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from concertation.accounts import audit
from concertation.accounts.current import signed_in_user
from concertation.accounts.models import User
from concertation.core.ids import parse_id
from concertation.core.routing import commit_or_flash
from concertation.core.security import organiser_required, reader_required
from concertation.extensions import db
from concertation.meetings import calendar, invitees
from concertation.meetings.exceptions import MeetingError
from concertation.meetings.forms import ActionForm, InviteeAddForm, InviteeRemoveForm
from concertation.meetings.models import Meeting
from concertation.meetings.routes.common import first_error, load_meeting
from concertation.people.models import Person


def _back(meeting_id: int, query: str = "") -> BaseResponse:
    args: dict[str, Any] = {"q": query} if query else {}
    return redirect(url_for(".detail", meeting_id=meeting_id, _anchor="invites", **args), 303)


def _change_list(
    meeting_id: int,
    form: InviteeAddForm | InviteeRemoveForm,
    change: Callable[[Meeting, Person, str, User], object],
    *,
    missing: str,
    done: str,
    keep_query: bool,
) -> BaseResponse:
    """A manual addition or removal of the person the form names; `done` is formatted with `name`.

    On a refused change, `keep_query` brings the organiser back to the search results they came from.
    """
    meeting = load_meeting(meeting_id)
    raw = form.person_id.data or ""
    person = db.session.get(Person, person_id) if (person_id := parse_id(raw)) else None
    if not form.validate_on_submit():
        flash(first_error(form), "danger")
    elif person is None:
        flash(missing, "danger")
    else:
        with commit_or_flash(MeetingError, done.format(name=person.full_name)) as outcome:
            change(meeting, person, form.reason.data or "", signed_in_user())
        if outcome.refused and keep_query:
            return _back(meeting_id, request.form.get("q", ""))
    return _back(meeting_id)


@organiser_required
def add_invitee(meeting_id: int) -> BaseResponse:
    return _change_list(
        meeting_id,
        InviteeAddForm(),
        invitees.add_invitee,
        missing="Choisissez une personne parmi les résultats de la recherche.",
        done="{name} est ajouté(e) à la liste des invités.",
        keep_query=True,
    )


@organiser_required
def remove_invitee(meeting_id: int) -> BaseResponse:
    return _change_list(
        meeting_id,
        InviteeRemoveForm(),
        invitees.remove_invitee,
        missing="Personne introuvable.",
        done="{name} est retiré(e) de la liste des invités.",
        keep_query=False,
    )


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
    body = calendar.invitees_csv(calendar.invitee_lines(meeting))
    return audit.exported_csv(
        body, f"invites-reunion-{meeting_id}.csv", f"invités de la réunion n° {meeting_id} (CSV)"
    )
