"""Meeting pages: calendar, creation and edition, meeting page with its invitee list, history, rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.wrappers import Response as BaseResponse

from concertation.accounts.models import User, UserRole
from concertation.core.dates import format_day, format_meeting_time
from concertation.core.ids import LAST_PAGE, parse_id
from concertation.core.security import admin_required, organiser_required, reader_required
from concertation.core.text import fold
from concertation.core.timeutils import today_paris
from concertation.extensions import db
from concertation.meetings import calendar, duplicates, listing, rules, services
from concertation.meetings.exceptions import InvalidMeeting, MeetingError
from concertation.meetings.forms import (
    ActionForm,
    InviteeAddForm,
    InviteeRemoveForm,
    MeetingForm,
    RuleForm,
)
from concertation.meetings.models import (
    SELECTOR_LABELS,
    CompositionRule,
    Meeting,
    Selector,
)
from concertation.people.models import Person
from concertation.territory.models import Commune, Intercommunality, Sector

bp = Blueprint("meetings", __name__, url_prefix="/reunions")

PER_PAGE = 50


@bp.context_processor
def helpers() -> dict[str, Any]:
    return {
        "meeting_time": format_meeting_time,
        "french_date": format_day,
        "source_label": calendar.source_label,
        "can_organise": current_user.is_authenticated and current_user.has_role(UserRole.ORGANISATEUR),
        "is_admin": current_user.is_authenticated and current_user.has_role(UserRole.ADMIN),
    }


def _me() -> User:
    user: User = current_user._get_current_object()
    return user


def _first_error(form: Any) -> str:
    return next((e for errors in form.errors.values() for e in errors), "Formulaire invalide.")


# --- Calendar ---------------------------------------------------------------------------------------


@bp.route("/")
@reader_required
def index() -> str:
    filters = calendar.MeetingFilters.from_args(request.args)
    today = today_paris()
    view = "mois" if request.args.get("vue") == "mois" else "liste"
    context: dict[str, Any] = {
        "filters": filters,
        "view": view,
        "sectors": calendar.sectors(),
        "intercommunalities": sorted(
            db.session.scalars(select(Intercommunality)), key=lambda epci: fold(epci.name)
        ),
        "years": calendar.meeting_years(today),
        "plan_years": [today.year, today.year + 1],
    }
    context["plan"] = calendar.rendez_vous_plan(context["plan_years"])
    if view == "mois":
        default = date(filters.year, 1, 1) if filters.year and filters.year != today.year else today
        grid = calendar.month_grid(calendar.parse_month(request.args.get("mois"), default), today)
        start, end = calendar.day_bounds_utc(grid.grid_first, grid.grid_last)
        statement = calendar.meetings_statement(replace(filters, year=None)).where(
            Meeting.starts_at >= start, Meeting.starts_at < end
        )
        context["grid"] = calendar.place_meetings(grid, db.session.scalars(statement))
    else:
        statement = calendar.meetings_statement(filters).order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        context["pagination"] = db.paginate(
            statement,
            page=min(request.args.get("page", 1, type=int), LAST_PAGE),
            per_page=PER_PAGE,
            error_out=False,
        )
    return render_template("meetings/index.html", **context)


# --- Creation and edition ---------------------------------------------------------------------------


def _confirmed() -> bool:
    """Whether the organiser pressed "Confirmer" on the form's warning (a second POST)."""
    return request.form.get("confirm") == "1"


def _flash_time_notes(data: services.MeetingInput) -> None:
    for note in services.time_notes(data):
        flash(note, "warning")


@bp.route("/nouvelle", methods=["GET", "POST"])
@organiser_required
def create() -> str | BaseResponse | tuple[str, int]:
    form = MeetingForm()
    form.fill_choices()
    if request.method == "GET":
        form.prefill(request.args, today_paris())
        return render_template("meetings/form.html", form=form, meeting=None)
    if form.validate_on_submit():
        data = form.to_input()
        warnings = [] if _confirmed() else duplicates.existing_duplicates(data)
        if warnings:
            # Asked once, before saving: the same form comes back with a "Confirmer" button.
            return render_template("meetings/form.html", form=form, meeting=None, warnings=warnings)
        try:
            meeting = services.create_meeting(data, _me())
        except InvalidMeeting as error:
            db.session.rollback()
            form.show_errors(error.errors, today_paris())
        else:
            db.session.commit()
            flash(f"Réunion « {meeting.title} » créée (brouillon).", "success")
            _flash_time_notes(data)
            return redirect(url_for(".detail", meeting_id=meeting.id), 303)
    return render_template("meetings/form.html", form=form, meeting=None), 422


@bp.route("/<int:meeting_id>/modifier", methods=["GET", "POST"])
@organiser_required
def edit(meeting_id: int) -> str | BaseResponse | tuple[str, int]:
    meeting = db.get_or_404(Meeting, meeting_id)
    if not meeting.is_editable:
        flash(f"Cette réunion est « {meeting.status_label} » : elle ne peut plus être modifiée.", "warning")
        return redirect(url_for(".detail", meeting_id=meeting.id), 303)
    form = MeetingForm()
    form.fill_choices()
    if request.method == "GET":
        form.load(meeting)
        return render_template("meetings/form.html", form=form, meeting=meeting)
    if form.validate_on_submit():
        data = form.to_input()
        try:
            impact = None if _confirmed() else services.update_impact(meeting, data)
            if impact is not None:
                db.session.rollback()
                # Nothing saved yet: the organiser sees what will be reset and sent, then confirms.
                return render_template(
                    "meetings/form.html", form=form, meeting=meeting, warnings=[impact.message]
                )
            changes = services.update_meeting(meeting, data)
        except InvalidMeeting as error:
            db.session.rollback()
            form.show_errors(error.errors, today_paris())
        except MeetingError as error:
            db.session.rollback()
            flash(str(error), "danger")
            return redirect(url_for(".detail", meeting_id=meeting_id), 303)
        else:
            # update_meeting sends signals.meeting_updated: the invitations domain writes the updated
            # invitations to the outbox in this transaction when `changes.needs_update`.
            db.session.commit()
            flash(
                "Réunion modifiée : la date, l'heure ou le lieu ont changé."
                if changes.needs_update
                else "Réunion modifiée.",
                "success",
            )
            _flash_time_notes(data)
            return redirect(url_for(".detail", meeting_id=meeting.id), 303)
    return render_template("meetings/form.html", form=form, meeting=meeting), 422


@bp.route("/<int:meeting_id>/suppression", methods=["POST"])
@organiser_required
def delete(meeting_id: int) -> BaseResponse:
    meeting = db.get_or_404(Meeting, meeting_id)
    if not ActionForm().validate_on_submit():
        flash("Le formulaire a expiré : rechargez la page.", "danger")
        return redirect(url_for(".detail", meeting_id=meeting_id), 303)
    title = meeting.title
    try:
        services.delete_draft(meeting)
    except MeetingError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return redirect(url_for(".detail", meeting_id=meeting_id), 303)
    db.session.commit()
    flash(f"Brouillon « {title} » supprimé.", "success")
    return redirect(url_for(".index"), 303)


# --- Meeting page and its invitee list --------------------------------------------------------------


def _load(meeting_id: int, *, lists: bool = True) -> Meeting:
    """The meeting with its agenda and, if `lists`, its lists, in a few queries (none per invitee)."""
    # The single rows come with the meeting; each collection, with its persons, in one more query.
    options: list[Any] = [
        joinedload(Meeting.sector).joinedload(Sector.town),
        joinedload(Meeting.intercommunality),
        joinedload(Meeting.location_commune),
        selectinload(Meeting.agenda_items),
    ]
    if lists:
        options += listing.LIST_LOADS
    return db.get_or_404(Meeting, meeting_id, options=options)


@bp.route("/<int:meeting_id>")
@reader_required
def detail(meeting_id: int) -> str:
    # The lists are read only when the cached parts of the page are out of date (meetings/listing.py).
    meeting = _load(meeting_id, lists=False)
    query = request.args.get("q", "").strip()
    return render_template(
        "meetings/detail.html",
        meeting=meeting,
        parts=listing.list_page(meeting, may_organise=current_user.has_role(UserRole.ORGANISATEUR)),
        query=query,
        candidates=calendar.search_persons(query) if query else [],
        is_editable=meeting.is_editable,
    )


def _back(meeting_id: int, query: str = "") -> BaseResponse:
    args: dict[str, Any] = {"q": query} if query else {}
    return redirect(url_for(".detail", meeting_id=meeting_id, _anchor="invites", **args), 303)


@bp.route("/<int:meeting_id>/invites/ajout", methods=["POST"])
@organiser_required
def add_invitee(meeting_id: int) -> BaseResponse:
    meeting = _load(meeting_id)
    form = InviteeAddForm()
    raw = form.person_id.data or ""
    person = db.session.get(Person, person_id) if (person_id := parse_id(raw)) else None
    if not form.validate_on_submit():
        flash(_first_error(form), "danger")
    elif person is None:
        flash("Choisissez une personne parmi les résultats de la recherche.", "danger")
    else:
        try:
            services.add_invitee(meeting, person, form.reason.data or "", _me())
        except MeetingError as error:
            db.session.rollback()
            flash(str(error), "danger")
            return _back(meeting_id, request.form.get("q", ""))
        db.session.commit()
        flash(f"{person.full_name} est ajouté(e) à la liste des invités.", "success")
    return _back(meeting_id)


@bp.route("/<int:meeting_id>/invites/retrait", methods=["POST"])
@organiser_required
def remove_invitee(meeting_id: int) -> BaseResponse:
    meeting = _load(meeting_id)
    form = InviteeRemoveForm()
    raw = form.person_id.data or ""
    person = db.session.get(Person, person_id) if (person_id := parse_id(raw)) else None
    if not form.validate_on_submit():
        flash(_first_error(form), "danger")
    elif person is None:
        flash("Personne introuvable.", "danger")
    else:
        try:
            services.remove_invitee(meeting, person, form.reason.data or "", _me())
        except MeetingError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(f"{person.full_name} est retiré(e) de la liste des invités.", "success")
    return _back(meeting_id)


@bp.route("/<int:meeting_id>/invites/mise-a-jour", methods=["POST"])
@organiser_required
def apply_diff(meeting_id: int) -> BaseResponse:
    meeting = _load(meeting_id)
    if not ActionForm().validate_on_submit():
        flash("Le formulaire a expiré : rechargez la page.", "danger")
        return _back(meeting_id)
    if not meeting.is_frozen:
        flash("La liste n'est pas encore arrêtée : elle suit déjà les mandats et les règles.", "info")
        return _back(meeting_id)
    # The invitations domain hooks its notifications here: apply_diff sends signals.invitees_changed, whose
    # handler writes invitations for `applied.added` and cancellations for `applied.removed` to the outbox
    # in this same transaction, so they are sent only if this commit succeeds.
    applied = services.apply_diff(meeting)
    db.session.commit()
    flash(
        f"Liste mise à jour : {len(applied.added)} ajout(s), {len(applied.removed)} retrait(s).",
        "success",
    )
    return _back(meeting_id)


@bp.route("/<int:meeting_id>/invites.csv")
@reader_required
def export_invitees(meeting_id: int) -> Response:
    meeting = _load(meeting_id)
    return Response(
        calendar.invitees_csv(calendar.invitee_lines(meeting)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="invites-reunion-{meeting.id}.csv"'},
    )


# --- History ----------------------------------------------------------------------------------------


def _history(statement: Any) -> list[Meeting]:
    return list(
        db.session.scalars(
            statement.options(selectinload(Meeting.sector), selectinload(Meeting.intercommunality)).order_by(
                Meeting.starts_at.desc(), Meeting.id.desc()
            )
        )
    )


@bp.route("/historique/cc/<siren>")
@reader_required
def history_cc(siren: str) -> str:
    epci = db.first_or_404(select(Intercommunality).where(Intercommunality.siren == siren))
    meetings = _history(select(Meeting).where(Meeting.intercommunality_id == epci.id))
    return render_template(
        "meetings/history.html", heading=epci.name, meetings=meetings, filter_args={"cc": siren}, related=[]
    )


@bp.route("/historique/ville/<insee>")
@reader_required
def history_town(insee: str) -> str:
    sector = db.first_or_404(
        select(Sector)
        .join(Sector.town)
        .where(Commune.insee_code == insee)
        .options(selectinload(Sector.intercommunalities))
    )
    meetings = _history(select(Meeting).where(Meeting.sector_id == sector.id))
    return render_template(
        "meetings/history.html",
        heading=f"Secteur de {sector.name}",
        meetings=meetings,
        filter_args={"ville": insee},
        related=sector.intercommunalities,
    )


# --- Composition rules (admins) ---------------------------------------------------------------------


@bp.route("/regles")
@admin_required
def rules_admin() -> str:
    return _render_rules(RuleForm())


def _render_rules(form: RuleForm) -> str:
    query = request.args.get("q", "").strip()
    form.fill_persons(rules.guest_candidates(query))
    return render_template(
        "meetings/rules.html",
        rules_by_kind=rules.rules_by_kind(),
        form=form,
        query=query,
        action=ActionForm(),
        person_selector=Selector.PERSON,
        selector_labels={selector.value: label for selector, label in SELECTOR_LABELS.items()},
    )


@bp.route("/regles", methods=["POST"])
@admin_required
def rule_add() -> BaseResponse | tuple[str, int]:
    form = RuleForm()
    if form.validate_on_submit():
        raw = form.person_id.data or ""
        person = db.session.get(Person, person_id) if (person_id := parse_id(raw)) else None
        try:
            rule = rules.add_rule(
                form.kind.data or "", form.selector.data or "", person=person, label=form.label.data or ""
            )
        except MeetingError as error:
            db.session.rollback()
            form.selector.errors = [*form.selector.errors, str(error)]
        else:
            db.session.commit()
            flash(f"Règle « {rule.description} » ajoutée.", "success")
            return redirect(url_for(".rules_admin", _anchor=f"regles-{rule.meeting_kind}"), 303)
    return _render_rules(form), 422


def _rule_action(rule_id: int, change: Any, done: str) -> BaseResponse:
    rule = db.get_or_404(CompositionRule, rule_id)
    if not ActionForm().validate_on_submit():
        flash("Le formulaire a expiré : rechargez la page.", "danger")
    else:
        try:
            change(rule)
        except MeetingError as error:
            db.session.rollback()
            flash(str(error), "warning")
        else:
            db.session.commit()
            flash(done, "success")
    return redirect(url_for(".rules_admin", _anchor=f"regles-{rule.meeting_kind}"), 303)


@bp.route("/regles/<int:rule_id>/activation", methods=["POST"])
@admin_required
def rule_toggle(rule_id: int) -> BaseResponse:
    enable = request.form.get("activer") == "1"
    return _rule_action(
        rule_id,
        lambda rule: rules.set_rule_enabled(rule, enable),
        "Règle activée." if enable else "Règle désactivée.",
    )


@bp.route("/regles/<int:rule_id>/deplacement", methods=["POST"])
@admin_required
def rule_move(rule_id: int) -> BaseResponse:
    offset = -1 if request.form.get("sens") == "haut" else 1
    return _rule_action(rule_id, lambda rule: rules.move_rule(rule, offset), "Ordre des règles modifié.")


@bp.route("/regles/<int:rule_id>/suppression", methods=["POST"])
@admin_required
def rule_delete(rule_id: int) -> BaseResponse:
    return _rule_action(rule_id, rules.delete_rule, "Règle supprimée.")
