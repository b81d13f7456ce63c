"""The organiser's poll pages: propose dates on a draft meeting, preview and send, the grid, answers
entered for an invitee (phone), and "Retenir ce créneau". The élu's page is in answer_routes.py."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from concertation.accounts.current import signed_in_user
from concertation.core.routing import GET, GET_POST, POST, add_rules, commit_or_flash, form_page
from concertation.core.security import organiser_required
from concertation.extensions import db
from concertation.meetings.calendar import invitee_lines
from concertation.meetings.models import Meeting, MeetingStatus
from concertation.notifications.emails import MailContext
from concertation.polls import services
from concertation.polls.emails import deadline_label, poll_context, slot_lines
from concertation.polls.exceptions import InvalidPoll, PollError
from concertation.polls.forms import ConfirmForm, PollForm, answer_choices, answer_form
from concertation.polls.grid import build_grid, load_poll
from concertation.polls.models import Poll, PollRecipient

bp = Blueprint("polls", __name__)
# The service names the deadline; the form asks for its day and time apart.
DEADLINE_FIELD = {"deadline": "deadline_day"}


def _ctx() -> MailContext:
    return MailContext.from_config(current_app.config)


def _poll_or_none(meeting: Meeting) -> Poll | None:
    poll = services.poll_of(meeting)
    return load_poll(poll.id) if poll is not None else None


def _to(endpoint: str, meeting_id: int, **values: Any) -> Response:
    return redirect(url_for(f"polls.{endpoint}", meeting_id=meeting_id, **values), 303)


def _poll_page(template: str, meeting: Meeting, poll: Poll, **values: Any) -> str:
    """A page about the meeting's poll: its slots and its deadline worded as in the poll emails."""
    return render_template(
        template, meeting=meeting, poll=poll, slots=slot_lines(poll), deadline=deadline_label(poll), **values
    )


@organiser_required
def overview(meeting_id: int) -> str | Response:
    """The poll of the meeting: its form when there is none, its preview until sent, then its grid."""
    meeting = db.get_or_404(Meeting, meeting_id)
    poll = _poll_or_none(meeting)
    if poll is None:
        return _to("create", meeting.id)
    if poll.sent_at is None:
        return _to("preview", meeting.id)
    return _poll_page(
        "polls/grid.html",
        meeting,
        poll,
        grid=build_grid(poll),
        is_open=services.is_open(poll),
        chosen=services.chosen_slot(poll),
        declined=services.declined_chosen(poll),
        to_phone=[r for r in poll.recipients if not r.email],
        can_choose=poll.chosen_position is None and meeting.status == MeetingStatus.BROUILLON,
    )


@organiser_required
def create(meeting_id: int) -> str | Response | tuple[str, int]:
    meeting = db.get_or_404(Meeting, meeting_id)
    if services.poll_of(meeting) is not None:
        return _to("overview", meeting.id)
    if meeting.status != MeetingStatus.BROUILLON:
        flash(services.NOT_A_DRAFT, "info")
        return redirect(url_for("meetings.detail", meeting_id=meeting.id), 303)
    form = PollForm()
    if form.validate_on_submit():
        slots = form.slot_values()
        if slots is not None:
            with commit_or_flash(form=form, invalid=InvalidPoll, aliases=DEADLINE_FIELD) as outcome:
                services.create_poll(
                    meeting, slots, form.deadline_value(), form.message.data or "", signed_in_user()
                )
            if outcome.committed:
                return _to("preview", meeting.id)
    return form_page("polls/form.html", form, meeting=meeting)


@organiser_required
def preview(meeting_id: int) -> str | Response:
    """Who receives the poll (and who must be phoned), and the email as the first recipient reads it."""
    meeting = db.get_or_404(Meeting, meeting_id)
    poll = _poll_or_none(meeting)
    if poll is None or poll.sent_at is not None:
        return _to("overview", meeting.id)
    lines = invitee_lines(meeting)
    emailed = [line for line in lines if line.person.email]
    sample = None
    if emailed:
        sample = current_app.jinja_env.get_template("emails/poll.txt").render(
            poll_context(poll),
            person=emailed[0].person,
            qualities=emailed[0].qualities,
            poll_url="(lien personnel de chaque invité)",
        )
    return _poll_page(
        "polls/preview.html",
        meeting,
        poll,
        emailed=emailed,
        to_phone=[line for line in lines if not line.person.email],
        sample=sample,
        form=ConfirmForm(),
    )


@organiser_required
def send(meeting_id: int) -> Response:
    meeting = db.get_or_404(Meeting, meeting_id)
    poll = services.poll_of(meeting)
    if poll is None:
        return _to("create", meeting.id)
    if not ConfirmForm().validate_on_submit():
        flash("Formulaire expiré : recommencez.", "danger")
        return _to("preview", meeting.id)
    with commit_or_flash(PollError) as outcome:
        report = services.send_poll(poll, _ctx())
        outcome.success = f"Sondage envoyé : {report.emails} courriel(s) en cours d'envoi" + (
            f", {len(report.to_phone)} invité(s) sans adresse à appeler." if report.to_phone else "."
        )
    return _to("overview", meeting.id)


@organiser_required
def discard(meeting_id: int) -> Response:
    meeting = db.get_or_404(Meeting, meeting_id)
    poll = services.poll_of(meeting)
    if poll is not None and ConfirmForm().validate_on_submit():
        with commit_or_flash(PollError, "Sondage supprimé : vous pouvez en proposer un autre."):
            services.discard_poll(poll)
    return _to("overview", meeting.id)


@organiser_required
def enter_answer(meeting_id: int, recipient_id: int) -> str | Response | tuple[str, int]:
    """An invitee's answers entered by the organiser (given on the phone), until the poll closes."""
    meeting = db.get_or_404(Meeting, meeting_id)
    recipient = db.get_or_404(PollRecipient, recipient_id)
    poll = recipient.poll
    if poll.meeting_id != meeting.id:
        return _to("overview", meeting.id)
    if not services.is_open(poll):
        flash("Le sondage est clos : les réponses ne peuvent plus être saisies.", "info")
        return _to("overview", meeting.id)
    form = answer_form(poll.slots)
    if not form.is_submitted():
        prefill_answers(form, recipient)
    if form.validate_on_submit():
        with commit_or_flash(PollError, f"Réponse de {recipient.person.full_name} enregistrée.") as outcome:
            services.answer(
                recipient,
                answer_choices(form, poll.slots),
                form["comment"].data or "",
                entered_by=signed_in_user(),
            )
        if outcome.committed or outcome.refused:
            return _to("overview", meeting.id)
    return form_page(
        "polls/enter.html", form, meeting=meeting, poll=poll, recipient=recipient, slots=slot_lines(poll)
    )


def prefill_answers(form: Any, recipient: PollRecipient) -> None:
    for existing in recipient.answers:
        field = form._fields.get(f"slot_{existing.slot_id}")
        if field is not None:
            field.data = existing.choice.value
    form["comment"].data = recipient.comment


@organiser_required
def choose(meeting_id: int, position: int) -> str | Response:
    """ "Retenir ce créneau": a confirmation page (GET), then the choice (POST) and the convocation page."""
    meeting = db.get_or_404(Meeting, meeting_id)
    poll = _poll_or_none(meeting)
    if poll is None or not any(s.position == position for s in poll.slots):
        return _to("overview", meeting.id)
    form = ConfirmForm()
    if not form.is_submitted():
        line = next(s for s in slot_lines(poll) if s["number"] == position + 1)
        grid = build_grid(poll)
        return render_template(
            "polls/choose.html",
            meeting=meeting,
            poll=poll,
            line=line,
            totals=grid.totals[position],
            form=form,
        )
    if not form.validate_on_submit():
        flash("Formulaire expiré : recommencez.", "danger")
        return _to("overview", meeting.id)
    with commit_or_flash(PollError) as outcome:
        services.choose_slot(poll, position, signed_in_user(), _ctx())
        declined = [r.person.full_name for r in services.declined_chosen(poll)]
        outcome.success = (
            "Créneau retenu : la réunion est fixée à cette date et les invités en sont informés."
        )
    if not outcome.committed:
        return _to("overview", meeting.id)
    if declined:
        flash(f"Ont répondu Non au créneau retenu : {', '.join(declined)}.", "warning")
    # The next step is the usual convocation, with its calendar invitation.
    return redirect(url_for("invitations.convoke_preview", meeting_id=meeting.id), 303)


def poll_panel(meeting: Meeting) -> dict[str, Any] | None:
    """What the meeting page and the convocation page show of the meeting's poll (template global)."""
    poll = services.poll_of(meeting)
    if poll is None:
        return None
    chosen = services.chosen_slot(poll)
    return {
        "poll": poll,
        "is_open": services.is_open(poll),
        "answered": sum(r.answered_at is not None for r in poll.recipients),
        "recipients": len(poll.recipients),
        "chosen": slot_lines(poll)[chosen.position]["label"] if chosen is not None else "",
        "declined": [r.person.full_name for r in services.declined_chosen(poll)],
    }


bp.add_app_template_global(poll_panel, "poll_panel")

SONDAGE = "/reunions/<int:meeting_id>/sondage"
add_rules(
    bp,
    [
        (SONDAGE, "overview", overview, GET),
        (SONDAGE + "/nouveau", "create", create, GET_POST),
        (SONDAGE + "/apercu", "preview", preview, GET),
        (SONDAGE + "/envoyer", "send", send, POST),
        (SONDAGE + "/supprimer", "discard", discard, POST),
        (
            "/reunions/<int:meeting_id>/sondage/reponses/<int:recipient_id>",
            "enter_answer",
            enter_answer,
            GET_POST,
        ),
        (SONDAGE + "/retenir/<int:position>", "choose", choose, GET_POST),
    ],
)

from concertation.polls import answer_routes  # noqa: E402, F401
