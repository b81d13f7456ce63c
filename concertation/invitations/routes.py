"""Answer pages for élus (public, signed links) and invitation pages for organisers."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from concertation.accounts import audit
from concertation.accounts.current import signed_in_user
from concertation.core.routing import commit_or_flash, form_page
from concertation.core.security import organiser_required, reader_required
from concertation.core.timeutils import now_utc, today_paris
from concertation.extensions import db
from concertation.invitations import document_notices, inbox, letters, reminders, services
from concertation.invitations.documents import invitee_documents, link_days
from concertation.invitations.exceptions import InvitationError
from concertation.invitations.forms import (
    ANSWER_VALUES,
    AnswerForm,
    CancelForm,
    ConfirmForm,
    NoticeForm,
    OrganiserAnswerForm,
    RemindForm,
)
from concertation.invitations.models import Answer, AnswerSource, Channel, Invitation
from concertation.invitations.preview import convocation_preview
from concertation.invitations.tokens import InvalidToken, read_token, rsvp_url
from concertation.meetings import calendar as meeting_calendar
from concertation.meetings import services as meeting_services
from concertation.meetings.exceptions import MeetingError
from concertation.meetings.models import Meeting, MeetingStatus
from concertation.notifications.emails import ORGANISER_CONTACT, MailContext
from concertation.notifications.feeds import (
    feed_calendar,
    person_feed_url,
    read_person_feed_token,
    webcal_url,
)
from concertation.notifications.models import DeliveryState, OutboxMessage
from concertation.notifications.outbox import delivery_counts, requeue
from concertation.notifications.pdf import html_to_pdf
from concertation.people.models import Person
from concertation.territory.services import intercommunality_by_siren, sector_by_town

bp = Blueprint("invitations", __name__)


def _ctx() -> MailContext:
    return MailContext.from_config(current_app.config)


def _to_index(meeting_id: int) -> Response:
    return redirect(url_for("invitations.index", meeting_id=meeting_id), 303)


def _organiser_answer(meeting_id: int, of_meeting_id: int | None) -> OrganiserAnswerForm | None:
    """The answer form the organiser posted on the meeting's page, or None (flashed) when it is invalid
    or names an invitation or a message of another meeting."""
    form = OrganiserAnswerForm()
    if of_meeting_id != meeting_id or not form.validate_on_submit():
        flash("Réponse invalide : choisissez une réponse.", "danger")
        return None
    return form


def _record(invitation: Invitation, form: AnswerForm | OrganiserAnswerForm, source: AnswerSource) -> None:
    services.record_answer(
        invitation,
        form.answer.data or "",
        source=source,
        represented_by=form.represented_by.data or "",
        comment=form.comment.data or "",
    )


def _invitation_for(token: str) -> Invitation:
    claims = read_token(current_app.config["SECRET_KEY"], token)
    invitation = db.session.get(Invitation, claims.invitation_id)
    if invitation is None or invitation.meeting_id != claims.meeting_id or not invitation.is_active:
        raise InvalidToken()
    return invitation


@bp.route("/r/<token>", methods=["GET", "POST"])
def answer(token: str) -> str | Response | tuple[str, int]:
    """The élu's personal answer page: no account, works on a phone, idempotent."""
    try:
        invitation = _invitation_for(token)
    except InvalidToken as error:
        return render_template(
            "invitations/invalid.html", message=str(error)
        ), 404 if not error.expired else 410
    meeting = invitation.meeting
    documents = invitee_documents(
        meeting, url_for("invitations.answer", token=token), days=link_days(current_app.config)
    )
    if not services.answers_open(meeting):
        return render_template(
            "invitations/closed.html", invitation=invitation, meeting=meeting, documents=documents
        )
    form = AnswerForm()
    if request.method == "GET":
        # Links in the email preselect an answer; only the POST records it (mail scanners follow links).
        preset = request.args.get("reponse")
        form.answer.data = (
            preset
            if preset in ANSWER_VALUES
            else (invitation.answer if invitation.answer != Answer.EN_ATTENTE else None)
        )
        form.represented_by.data = invitation.represented_by
        form.comment.data = invitation.comment
    if form.validate_on_submit():
        with commit_or_flash(
            success="Votre réponse est enregistrée. Merci.",
            form=form,
            invalid=InvitationError,
            field="answer",
        ) as outcome:
            _record(invitation, form, AnswerSource.LINK)
        if outcome.committed:
            return redirect(url_for("invitations.answer", token=token), 303)
    ctx = _ctx()
    feed_url = person_feed_url(ctx.public_url, ctx.secret_key, invitation.person_id)
    return form_page(
        "invitations/answer.html",
        form,
        invitation=invitation,
        meeting=meeting,
        feed_url=feed_url,
        feed_webcal_url=webcal_url(feed_url),
        documents=documents,
    )


@bp.route("/reunions/<int:meeting_id>/invitations")
@organiser_required
def index(meeting_id: int) -> str:
    meeting = db.get_or_404(Meeting, meeting_id)
    invitations = services.invitations_of(meeting, active_only=False)
    counts = delivery_counts(meeting.id)
    answer_filter = request.args.get("reponse")
    if answer_filter not in reminders.FILTERS:
        answer_filter = None
    shown = reminders.filtered(invitations, answer_filter)
    remind_form = RemindForm(formdata=None, token=reminders.new_reminder_token())
    return render_template(
        "invitations/index.html",
        meeting=meeting,
        invitations=shown,
        all_count=len(invitations),
        deliveries=services.deliveries(shown),
        counts=counts,
        sent=counts[DeliveryState.ENVOYE],
        answer_counts=reminders.answer_counts(invitations),
        filters=reminders.FILTERS,
        answer_filter=answer_filter,
        can_remind=services.answers_open(meeting),
        confirm_form=ConfirmForm(),
        cancel_form=CancelForm(),
        answer_form=OrganiserAnswerForm(),
        remind_form=remind_form,
        letters_due=services.letters_due(meeting),
        received=inbox.mails_of(meeting.id),
        pending_documents=document_notices.pending_documents(meeting, days=link_days(current_app.config)),
        paper_invitees=document_notices.without_email(invitations),
        notice_form=NoticeForm(formdata=None, token=document_notices.new_notice_token()),
    )


@bp.route("/reunions/<int:meeting_id>/relance", methods=["POST"])
@organiser_required
def remind(meeting_id: int) -> Response:
    """ "Relancer les sans-réponse": the form's token is stored, so the same form sends only once."""
    meeting = db.get_or_404(Meeting, meeting_id)
    form = RemindForm()
    if not form.validate_on_submit():
        flash("Formulaire de relance expiré : rechargez la page.", "danger")
        return _to_index(meeting.id)
    # A conflict: a simultaneous submit of the same form committed first.
    with commit_or_flash(
        InvitationError, category="warning", conflict=str(reminders.ReminderAlreadySent())
    ) as outcome:
        sent = reminders.send_reminders(meeting, _ctx(), form.token.data or "", by=signed_in_user())
        outcome.success = f"Relance enregistrée : {sent} courriel(s) en cours d'envoi."
    return _to_index(meeting.id)


@bp.route("/reunions/<int:meeting_id>/invitations.csv")
@reader_required
def export(meeting_id: int) -> Response:
    """The invitee list as the meeting's export writes it, with each invitee's answer."""
    meeting = db.get_or_404(Meeting, meeting_id)
    answers = {
        invitation.person_id: [
            invitation.answer_label if invitation.is_active else "Retiré(e) de la liste",
            invitation.comment,
            invitation.answered_at.strftime("%d/%m/%Y %H:%M") if invitation.answered_at else "",
        ]
        for invitation in services.invitations_of(meeting, active_only=False)
    }
    body = meeting_calendar.invitees_csv(
        meeting_calendar.invitee_lines(meeting),
        ("Réponse", "Commentaire", "Répondu le (UTC)"),
        answers,
    )
    return audit.exported_csv(
        body,
        f"invites-reponses-reunion-{meeting_id}.csv",
        f"invités et réponses de la réunion n° {meeting_id} (CSV)",
    )


@bp.route("/reunions/<int:meeting_id>/invitations/progression")
@organiser_required
def progress(meeting_id: int) -> Response:
    meeting = db.get_or_404(Meeting, meeting_id)
    return jsonify({state.value: n for state, n in delivery_counts(meeting.id).items()})


@bp.route("/reunions/<int:meeting_id>/convoquer", methods=["GET"])
@organiser_required
def convoke_preview(meeting_id: int) -> str | Response:
    """Who would receive what, and the first email as sent, before the organiser confirms."""
    meeting = db.get_or_404(Meeting, meeting_id)
    if meeting.status != MeetingStatus.BROUILLON:
        flash(f"La réunion est « {meeting.status.label} » : elle ne peut pas être convoquée.", "info")
        return _to_index(meeting.id)
    return render_template(
        "invitations/convoke.html",
        meeting=meeting,
        preview=convocation_preview(meeting, _ctx()),
        confirm_form=ConfirmForm(),
    )


@bp.route("/reunions/<int:meeting_id>/convoquer", methods=["POST"])
@organiser_required
def convoke(meeting_id: int) -> Response:
    meeting = db.get_or_404(Meeting, meeting_id)
    if not ConfirmForm().validate_on_submit():
        flash("Formulaire expiré : recommencez.", "danger")
        return _to_index(meeting.id)
    with commit_or_flash(InvitationError) as outcome:
        report = services.convoke(meeting, _ctx())
        outcome.success = (
            f"Convocation enregistrée : {report.emails} courriel(s) en cours d'envoi, "
            f"{report.paper} courrier(s) papier à imprimer."
        )
    if outcome.refused:
        return redirect(url_for("meetings.detail", meeting_id=meeting.id), 303)
    return _to_index(meeting.id)


@bp.route("/reunions/<int:meeting_id>/annuler", methods=["POST"])
@organiser_required
def cancel(meeting_id: int) -> Response:
    meeting = db.get_or_404(Meeting, meeting_id)
    if not CancelForm().validate_on_submit():
        flash("Cochez la confirmation pour annuler la réunion.", "danger")
    else:
        with commit_or_flash(MeetingError, "Réunion annulée : les invités reçoivent une annulation."):
            meeting_services.cancel_meeting(meeting)
    return _to_index(meeting.id)


@bp.route("/reunions/<int:meeting_id>/courriels/<int:message_id>/renvoyer", methods=["POST"])
@organiser_required
def resend(meeting_id: int, message_id: int) -> Response:
    message = db.get_or_404(OutboxMessage, message_id)
    if message.meeting_id != meeting_id or not ConfirmForm().validate_on_submit():
        flash("Demande de renvoi invalide.", "danger")
    else:
        requeue(message)
        db.session.commit()
        flash(f"Courriel à {message.recipient_email} remis dans la file d'envoi.", "success")
    return _to_index(meeting_id)


@bp.route("/reunions/<int:meeting_id>/invitations/<int:invitation_id>/reponse", methods=["POST"])
@organiser_required
def record(meeting_id: int, invitation_id: int) -> Response:
    invitation = db.get_or_404(Invitation, invitation_id)
    form = _organiser_answer(meeting_id, invitation.meeting_id)
    if form is None:
        return _to_index(meeting_id)
    with commit_or_flash(InvitationError, f"Réponse de {invitation.person.full_name} enregistrée."):
        _record(invitation, form, AnswerSource.ORGANISER)
    return _to_index(meeting_id)


def _feed_response(name: str, meetings: list[Meeting], filename: str) -> Response:
    ctx = _ctx()
    body = feed_calendar(name, meetings, host=ctx.host, dtstamp=now_utc())
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.route("/flux/personne/<token>.ics")
def person_feed(token: str) -> Response:
    """A personal subscription (webcal://) with every meeting the person is invited to."""
    person_id = read_person_feed_token(current_app.config["SECRET_KEY"], token)
    person = (db.session.get(Person, person_id) if person_id is not None else None) or abort(404)
    return _feed_response(
        f"Réunions – {person.full_name}", services.meetings_of_person(person.id), "reunions.ics"
    )


@bp.route("/flux/ville/<insee>.ics")
def town_feed(insee: str) -> Response:
    """The public calendar of the meetings of a main town's sector."""
    sector = sector_by_town(insee) or abort(404)
    meetings = services.published_meetings(town_insee=insee)
    return _feed_response(f"Réunions – secteur de {sector.name}", meetings, f"secteur-{insee}.ics")


@bp.route("/flux/cc/<siren>.ics")
def intercommunality_feed(siren: str) -> Response:
    """The public calendar of the concertations of a communauté de communes."""
    epci = intercommunality_by_siren(siren) or abort(404)
    meetings = services.published_meetings(siren=siren)
    return _feed_response(f"Réunions – {epci.name}", meetings, f"cc-{siren}.ics")


@bp.route("/c/<int:invitation_id>-<code>")
def short_answer(invitation_id: int, code: str) -> Response:
    """The short address printed on a paper letter: on to the invitation's signed answer page."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or not letters.read_short_code(
        current_app.config["SECRET_KEY"], invitation_id, code
    ):
        abort(404)
    return redirect(rsvp_url(_ctx(), invitation.id, invitation.meeting_id), 303)


@bp.route("/reunions/<int:meeting_id>/courriers.pdf")
@organiser_required
def paper_letters(meeting_id: int) -> Response:
    """Printable letters for the invitees without email: the convocation, or after a change or a
    cancellation, a "Modification" or "Annulation" letter saying what the email says."""
    meeting = db.get_or_404(Meeting, meeting_id)
    # ?invitation=<id>: the letter of an invitee whose email was refused by their server.
    wanted = set(request.args.getlist("invitation", type=int))
    paper = [
        i
        for i in services.invitations_of(meeting)
        if (i.id in wanted if wanted else i.channel == Channel.PAPER)
    ]
    ctx = _ctx()
    built = [
        letters.Letter(
            invitation=invitation,
            kind=letters.letter_kind(meeting, invitation),
            salutation=letters.salutation(invitation.person.civility, invitation.invitee.qualities),
            answer_address=letters.short_address(ctx.public_url, ctx.secret_key, invitation.id),
            feed_url=person_feed_url(ctx.public_url, ctx.secret_key, invitation.person_id),
        )
        for invitation in paper
    ]
    html = render_template(
        "invitations/letters.html",
        meeting=meeting,
        letters=built,
        changes=[line for line in meeting.last_changes.splitlines() if line],
        contact=ORGANISER_CONTACT,
        signatory=letters.signatory(current_app.config),
        dated=letters.letter_date(today_paris()),
    )
    response = Response(html_to_pdf(html), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="courriers-reunion-{meeting.id}.pdf"'
    return response


# The received-mail actions and the invitees' documents register on this blueprint.
from concertation.invitations import document_routes, inbox_routes  # noqa: E402, F401
