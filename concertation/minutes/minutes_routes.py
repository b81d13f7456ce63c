"""Compte rendu pages: reading, writing the sections, validation, diffusion, corrections and versions."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from concertation.core.security import organiser_required, reader_required
from concertation.extensions import db
from concertation.meetings.models import Meeting
from concertation.minutes import minutes as service
from concertation.minutes.blueprint import back, bp, load_meeting, mail_context, me
from concertation.minutes.diffusion import diffuse, recipients
from concertation.minutes.diffusion_preview import diffusion_preview as preview_diffusion
from concertation.minutes.document import build_document, document_pdf
from concertation.minutes.enums import MinutesStatus
from concertation.minutes.exceptions import InvalidInput, MinutesError
from concertation.minutes.forms import ActionForm, CorrectionForm, FreeSectionForm, SectionsForm, show_errors
from concertation.minutes.markdown import clean_document
from concertation.minutes.models import Minutes, MinutesSection

PAGE = "minutes.minutes_page"


def _minutes_or_back(meeting: Meeting) -> Minutes | None:
    minutes = service.minutes_of(meeting)
    if minutes is None:
        flash("Le compte rendu n'est pas encore commencé.", "warning")
    return minutes


@bp.route("/reunions/<int:meeting_id>/compte-rendu")
@reader_required
def minutes_page(meeting_id: int) -> str:
    meeting = load_meeting(meeting_id)
    minutes = service.minutes_of(meeting)
    return render_template(
        "minutes/minutes.html",
        meeting=meeting,
        minutes=minutes,
        doc=build_document(minutes) if minutes is not None else None,
        recipients=recipients(meeting) if minutes is not None else [],
        action=ActionForm(),
        correction_form=CorrectionForm(formdata=None),
    )


@bp.route("/reunions/<int:meeting_id>/compte-rendu/commencer", methods=["POST"])
@organiser_required
def start_minutes(meeting_id: int) -> BaseResponse:
    meeting = load_meeting(meeting_id)
    if not ActionForm().validate_on_submit():
        flash("Le formulaire a expiré : rechargez la page.", "danger")
        return back(PAGE, meeting)
    try:
        service.ensure_minutes(meeting)
    except MinutesError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return back(PAGE, meeting)
    db.session.commit()
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


@bp.route("/reunions/<int:meeting_id>/compte-rendu/modifier", methods=["GET", "POST"])
@organiser_required
def edit_minutes(meeting_id: int) -> str | BaseResponse | tuple[str, int]:
    meeting = load_meeting(meeting_id)
    minutes = _minutes_or_back(meeting)
    if minutes is None:
        return back(PAGE, meeting)
    if not minutes.is_draft:
        flash(f"Le compte rendu est « {minutes.status_label} » : il ne se modifie plus.", "warning")
        return back(PAGE, meeting)
    form = SectionsForm()
    if request.method == "GET":
        return _edit_page(meeting, minutes, form=form)
    if not form.validate_on_submit():
        flash("Le formulaire a expiré : rechargez la page.", "danger")
        return back("minutes.edit_minutes", meeting)
    try:
        plain = service.update_sections(
            minutes, form.sections([s.id for s in minutes.sections], request.form)
        )
    except InvalidInput as error:
        db.session.rollback()
        minutes = service.minutes_of(meeting)
        assert minutes is not None
        errors = {k.removeprefix("sections."): v for k, v in error.errors.items()}
        return _edit_page(meeting, minutes, form=form, errors=errors, submitted=dict(request.form)), 422
    except MinutesError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return back(PAGE, meeting)
    db.session.commit()
    flash("Compte rendu enregistré.", "success")
    for title in plain:
        flash(
            f"« {title} » : la mise en forme de ce texte est trop complexe, il est affiché tel quel "
            "(sans mise en forme). Simplifiez les crochets, chevrons ou imbrications pour la retrouver.",
            "warning",
        )
    if request.form.get("apercu"):
        return redirect(url_for("minutes.edit_minutes", meeting_id=meeting.id, apercu=1), 303)
    return back(PAGE, meeting)


@bp.route("/reunions/<int:meeting_id>/compte-rendu/sections", methods=["POST"])
@organiser_required
def add_section(meeting_id: int) -> BaseResponse | tuple[str, int]:
    meeting = load_meeting(meeting_id)
    minutes = _minutes_or_back(meeting)
    if minutes is None:
        return back(PAGE, meeting)
    form = FreeSectionForm()
    if form.validate_on_submit():
        try:
            service.add_free_section(minutes, form.title.data or "")
        except InvalidInput as error:
            db.session.rollback()
            show_errors(form, error.errors)
        except MinutesError as error:
            db.session.rollback()
            flash(str(error), "danger")
            return back(PAGE, meeting)
        else:
            db.session.commit()
            flash("Section ajoutée.", "success")
            return back("minutes.edit_minutes", meeting)
    minutes = service.minutes_of(meeting)
    assert minutes is not None
    return _edit_page(meeting, minutes, section_form=form), 422


@bp.route("/reunions/<int:meeting_id>/compte-rendu/sections/<int:section_id>/suppression", methods=["POST"])
@organiser_required
def remove_section(meeting_id: int, section_id: int) -> BaseResponse:
    meeting = load_meeting(meeting_id)
    section = db.get_or_404(MinutesSection, section_id)
    if section.minutes.meeting_id != meeting.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        flash("Le formulaire a expiré : rechargez la page.", "danger")
    else:
        try:
            service.remove_free_section(section)
        except MinutesError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash("Section supprimée.", "success")
    return back("minutes.edit_minutes", meeting)


def _transition(meeting_id: int, change: str) -> BaseResponse:
    meeting = load_meeting(meeting_id)
    minutes = _minutes_or_back(meeting)
    if minutes is None:
        return back(PAGE, meeting)
    if not ActionForm().validate_on_submit():
        flash("Le formulaire a expiré : rechargez la page.", "danger")
        return back(PAGE, meeting)
    try:
        if change == "valider":
            service.validate_minutes(minutes, user=me())
            done = "Compte rendu validé : il peut être diffusé."
        elif change == "brouillon":
            service.reopen_draft(minutes)
            done = "Compte rendu repassé en brouillon."
        else:
            sent = diffuse(minutes, mail_context(), user=me())
            done = f"Compte rendu diffusé : {sent} courriel(s) en cours d'envoi, avec le PDF joint."
    except MinutesError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return back(PAGE, meeting)
    db.session.commit()
    flash(done, "success")
    return back(PAGE, meeting)


@bp.route("/reunions/<int:meeting_id>/compte-rendu/validation", methods=["POST"])
@organiser_required
def validate(meeting_id: int) -> BaseResponse:
    return _transition(meeting_id, "valider")


@bp.route("/reunions/<int:meeting_id>/compte-rendu/brouillon", methods=["POST"])
@organiser_required
def reopen(meeting_id: int) -> BaseResponse:
    return _transition(meeting_id, "brouillon")


@bp.route("/reunions/<int:meeting_id>/compte-rendu/diffusion", methods=["GET"])
@organiser_required
def diffusion_preview(meeting_id: int) -> str | BaseResponse:
    """The recipients and the email as sent, before the organiser confirms the diffusion."""
    meeting = load_meeting(meeting_id)
    minutes = _minutes_or_back(meeting)
    if minutes is None or minutes.status != MinutesStatus.VALIDE:
        if minutes is not None:
            flash("Validez le compte rendu avant de le diffuser.", "warning")
        return back(PAGE, meeting)
    return render_template(
        "minutes/diffuse.html",
        meeting=meeting,
        minutes=minutes,
        preview=preview_diffusion(minutes, mail_context()),
        action=ActionForm(),
    )


@bp.route("/reunions/<int:meeting_id>/compte-rendu/diffusion", methods=["POST"])
@organiser_required
def diffusion(meeting_id: int) -> BaseResponse:
    """Every email is an outbox row written in this transaction; the sender delivers them after it."""
    return _transition(meeting_id, "diffuser")


@bp.route("/reunions/<int:meeting_id>/compte-rendu/correction", methods=["POST"])
@organiser_required
def correction(meeting_id: int) -> BaseResponse | tuple[str, int]:
    meeting = load_meeting(meeting_id)
    minutes = _minutes_or_back(meeting)
    if minutes is None:
        return back(PAGE, meeting)
    form = CorrectionForm()
    if form.validate_on_submit():
        try:
            service.open_correction(minutes, form.reason.data or "")
        except InvalidInput as error:
            db.session.rollback()
            show_errors(form, error.errors)
        except MinutesError as error:
            db.session.rollback()
            flash(str(error), "danger")
            return back(PAGE, meeting)
        else:
            db.session.commit()
            flash(
                f"Version {minutes.version} ouverte en brouillon ; la version diffusée reste consultable.",
                "success",
            )
            return back("minutes.edit_minutes", meeting)
    minutes = service.minutes_of(meeting)
    assert minutes is not None
    page = render_template(
        "minutes/minutes.html",
        meeting=meeting,
        minutes=minutes,
        doc=build_document(minutes),
        recipients=recipients(meeting),
        action=ActionForm(),
        correction_form=form,
    )
    return page, 422


@bp.route("/reunions/<int:meeting_id>/compte-rendu.pdf")
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


@bp.route("/reunions/<int:meeting_id>/compte-rendu/versions/<int:number>")
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
