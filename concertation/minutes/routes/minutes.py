"""Compte rendu pages: reading, writing the sections, validation, diffusion, corrections and versions."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from concertation.accounts.current import signed_in_user
from concertation.core.routing import commit_or_flash
from concertation.core.security import organiser_required, reader_required
from concertation.extensions import db
from concertation.meetings.models import Meeting
from concertation.minutes import minutes as service
from concertation.minutes.diffusion import diffuse, recipients
from concertation.minutes.diffusion_preview import diffusion_preview as preview_diffusion
from concertation.minutes.document import build_document, document_pdf
from concertation.minutes.enums import MinutesStatus
from concertation.minutes.exceptions import InvalidInput, MinutesError
from concertation.minutes.forms import ActionForm, CorrectionForm, FreeSectionForm, SectionsForm
from concertation.minutes.markdown import clean_document
from concertation.minutes.models import Minutes, MinutesSection
from concertation.minutes.routes.common import back, expired, load_meeting, mail_context, submit

PAGE = "minutes.minutes_page"


def _minutes_or_back(meeting: Meeting) -> Minutes:
    """The meeting's minutes; before they are started, the request ends on the minutes page."""
    minutes = service.minutes_of(meeting)
    if minutes is None:
        flash("Le compte rendu n'est pas encore commencé.", "warning")
        abort(back(PAGE, meeting))
    return minutes


def _minutes_page(
    meeting: Meeting, minutes: Minutes | None, correction_form: CorrectionForm | None = None
) -> str:
    return render_template(
        "minutes/minutes.html",
        meeting=meeting,
        minutes=minutes,
        doc=build_document(minutes) if minutes is not None else None,
        recipients=recipients(meeting) if minutes is not None else [],
        action=ActionForm(),
        correction_form=correction_form or CorrectionForm(formdata=None),
    )


@reader_required
def minutes_page(meeting_id: int) -> str:
    meeting = load_meeting(meeting_id)
    return _minutes_page(meeting, service.minutes_of(meeting))


@organiser_required
def start_minutes(meeting_id: int) -> BaseResponse:
    meeting = load_meeting(meeting_id)
    if not ActionForm().validate_on_submit():
        return expired(back(PAGE, meeting))
    with commit_or_flash(MinutesError) as outcome:
        service.ensure_minutes(meeting)
    if outcome.refused:
        return back(PAGE, meeting)
    return back("minutes.edit_minutes", meeting)


def _edit_page(meeting: Meeting, minutes: Minutes, **context: object) -> str:
    return render_template(
        "minutes/edit.html",
        meeting=meeting,
        minutes=minutes,
        form=context.pop("form", None) or SectionsForm(),
        section_form=context.pop("section_form", None) or FreeSectionForm(formdata=None),
        action=ActionForm(),
        errors=context.pop("errors", {}),
        submitted=context.pop("submitted", None),
        **context,
    )


@organiser_required
def edit_minutes(meeting_id: int) -> str | BaseResponse | tuple[str, int]:
    meeting = load_meeting(meeting_id)
    minutes = _minutes_or_back(meeting)
    if not minutes.is_draft:
        flash(f"Le compte rendu est « {minutes.status.label} » : il ne se modifie plus.", "warning")
        return back(PAGE, meeting)
    form = SectionsForm()
    if request.method == "GET":
        return _edit_page(meeting, minutes, form=form)
    if not form.validate_on_submit():
        return expired(back("minutes.edit_minutes", meeting))
    sections = form.sections([s.id for s in minutes.sections], request.form)
    with commit_or_flash(MinutesError, "Compte rendu enregistré.", invalid=InvalidInput) as outcome:
        plain = service.update_sections(minutes, sections)
    if isinstance(outcome.error, InvalidInput):
        reloaded = service.minutes_of(meeting)
        assert reloaded is not None
        errors = {k.removeprefix("sections."): v for k, v in outcome.error.errors.items()}
        return _edit_page(meeting, reloaded, form=form, errors=errors, submitted=dict(request.form)), 422
    if outcome.refused:
        return back(PAGE, meeting)
    for title in plain:
        flash(
            f"« {title} » : la mise en forme de ce texte est trop complexe, il est affiché tel quel "
            "(sans mise en forme). Simplifiez les crochets, chevrons ou imbrications pour la retrouver.",
            "warning",
        )
    if request.form.get("apercu"):
        return redirect(url_for("minutes.edit_minutes", meeting_id=meeting.id, apercu=1), 303)
    return back(PAGE, meeting)


@organiser_required
def add_section(meeting_id: int) -> BaseResponse | tuple[str, int]:
    meeting = load_meeting(meeting_id)
    minutes = _minutes_or_back(meeting)
    form = FreeSectionForm()
    return submit(
        form,
        lambda: service.add_free_section(minutes, form.title.data or ""),
        done=lambda _: "Section ajoutée.",
        then=back("minutes.edit_minutes", meeting),
        failed=back(PAGE, meeting),
        again=lambda: (_edit_page(meeting, minutes, section_form=form), 422),
    )


@organiser_required
def remove_section(meeting_id: int, section_id: int) -> BaseResponse:
    meeting = load_meeting(meeting_id)
    section = db.get_or_404(MinutesSection, section_id)
    if section.minutes.meeting_id != meeting.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        return expired(back("minutes.edit_minutes", meeting))
    with commit_or_flash(MinutesError, "Section supprimée."):
        service.remove_free_section(section)
    return back("minutes.edit_minutes", meeting)


def _transition(meeting_id: int, change: str) -> BaseResponse:
    meeting = load_meeting(meeting_id)
    minutes = _minutes_or_back(meeting)
    if not ActionForm().validate_on_submit():
        return expired(back(PAGE, meeting))

    def apply() -> str:
        """The change, then its message for the organiser."""
        if change == "valider":
            service.validate_minutes(minutes, user=signed_in_user())
            return "Compte rendu validé : il peut être diffusé."
        if change == "brouillon":
            service.reopen_draft(minutes)
            return "Compte rendu repassé en brouillon."
        sent = diffuse(minutes, mail_context(), user=signed_in_user())
        return f"Compte rendu diffusé : {sent} courriel(s) en cours d'envoi, avec le PDF joint."

    with commit_or_flash(MinutesError) as outcome:
        outcome.success = apply()
    return back(PAGE, meeting)


@organiser_required
def validate(meeting_id: int) -> BaseResponse:
    return _transition(meeting_id, "valider")


@organiser_required
def reopen(meeting_id: int) -> BaseResponse:
    return _transition(meeting_id, "brouillon")


@organiser_required
def diffusion_preview(meeting_id: int) -> str | BaseResponse:
    """The recipients and the email as sent, before the organiser confirms the diffusion."""
    meeting = load_meeting(meeting_id)
    minutes = _minutes_or_back(meeting)
    if minutes.status != MinutesStatus.VALIDE:
        flash("Validez le compte rendu avant de le diffuser.", "warning")
        return back(PAGE, meeting)
    return render_template(
        "minutes/diffuse.html",
        meeting=meeting,
        minutes=minutes,
        preview=preview_diffusion(minutes, mail_context()),
        action=ActionForm(),
    )


@organiser_required
def diffusion(meeting_id: int) -> BaseResponse:
    """Every email is an outbox row written in this transaction; the sender delivers them after it."""
    return _transition(meeting_id, "diffuser")


@organiser_required
def correction(meeting_id: int) -> BaseResponse | tuple[str, int]:
    meeting = load_meeting(meeting_id)
    minutes = _minutes_or_back(meeting)
    form = CorrectionForm()
    return submit(
        form,
        lambda: service.open_correction(minutes, form.reason.data or ""),
        done=lambda _: (
            f"Version {minutes.version} ouverte en brouillon ; la version diffusée reste consultable."
        ),
        then=back("minutes.edit_minutes", meeting),
        failed=back(PAGE, meeting),
        again=lambda: (_minutes_page(meeting, minutes, form), 422),
    )


@reader_required
def minutes_pdf(meeting_id: int) -> Response:
    meeting = load_meeting(meeting_id)
    minutes = service.minutes_of(meeting)
    if minutes is None:
        abort(404)
    response = Response(document_pdf(build_document(minutes)), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'inline; filename="compte-rendu-reunion-{meeting.id}-v{minutes.version}.pdf"'
    )
    return response


@reader_required
def version(meeting_id: int, number: int) -> str:
    """A diffused version as it was sent."""
    meeting = load_meeting(meeting_id)
    minutes = service.minutes_of(meeting)
    found = next((v for v in minutes.versions if v.number == number), None) if minutes is not None else None
    if found is None:
        abort(404)
    body = clean_document(found.html)
    return render_template("minutes/version.html", meeting=meeting, minutes=minutes, version=found, body=body)
