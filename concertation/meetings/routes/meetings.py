"""Meeting pages: the calendar, creation and edition, deletion of a draft, the meeting page, history."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response as BaseResponse

from concertation.accounts.current import signed_in_user
from concertation.accounts.models import UserRole
from concertation.core.ids import LAST_PAGE
from concertation.core.routing import commit_or_flash, form_page
from concertation.core.security import organiser_required, reader_required
from concertation.core.text import fold
from concertation.core.timeutils import today_paris
from concertation.extensions import db
from concertation.meetings import calendar, duplicates, listing, services
from concertation.meetings.exceptions import InvalidMeeting, MeetingError
from concertation.meetings.forms import ActionForm, MeetingForm
from concertation.meetings.models import Meeting
from concertation.meetings.routes.common import load_meeting
from concertation.territory.models import Commune, Intercommunality, Sector

PER_PAGE = 50


# --- Calendar ---------------------------------------------------------------------------------------


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


def _confirmed() -> bool:
    """Whether the organiser pressed "Confirmer" on the form's warning (a second POST)."""
    return request.form.get("confirm") == "1"


def _flash_time_notes(data: services.MeetingInput) -> None:
    for note in services.time_notes(data):
        flash(note, "warning")


@organiser_required
def create() -> str | BaseResponse | tuple[str, int]:
    form = MeetingForm()
    form.fill_choices()
    if request.method == "GET":
        form.prefill(request.args, today_paris())
    elif form.validate_on_submit():
        data = form.to_input()
        warnings = [] if _confirmed() else duplicates.existing_duplicates(data)
        if warnings:
            # Asked once, before saving: the same form comes back with a "Confirmer" button.
            return render_template("meetings/form.html", form=form, meeting=None, warnings=warnings)
        with commit_or_flash(invalid=InvalidMeeting) as outcome:
            meeting = services.create_meeting(data, signed_in_user())
        if isinstance(outcome.error, InvalidMeeting):
            form.show_errors(outcome.error, today_paris())
        else:
            flash(f"Réunion « {meeting.title} » créée (brouillon).", "success")
            _flash_time_notes(data)
            return redirect(url_for(".detail", meeting_id=meeting.id), 303)
    return form_page("meetings/form.html", form, meeting=None)


@organiser_required
def edit(meeting_id: int) -> str | BaseResponse | tuple[str, int]:
    meeting = db.get_or_404(Meeting, meeting_id)
    if not meeting.is_editable:
        flash(f"Cette réunion est « {meeting.status.label} » : elle ne peut plus être modifiée.", "warning")
        return redirect(url_for(".detail", meeting_id=meeting.id), 303)
    form = MeetingForm()
    form.fill_choices(meeting)
    if request.method == "GET":
        form.load(meeting)
    elif form.validate_on_submit():
        data = form.to_input()
        with commit_or_flash(MeetingError, invalid=InvalidMeeting) as outcome:
            impact = None if _confirmed() else services.update_impact(meeting, data)
            if impact is None:
                # update_meeting sends signals.meeting_updated: the invitations domain writes the updated
                # invitations to the outbox in this transaction when `changes.needs_update`.
                changes = services.update_meeting(meeting, data)
                outcome.success = (
                    "Réunion modifiée : la date, l'heure ou le lieu ont changé."
                    if changes.needs_update
                    else "Réunion modifiée."
                )
            # Otherwise nothing is written (update_impact changes nothing): the organiser sees what
            # will be reset and sent, then confirms.
        if isinstance(outcome.error, InvalidMeeting):
            form.show_errors(outcome.error, today_paris())
        elif outcome.refused:
            return redirect(url_for(".detail", meeting_id=meeting_id), 303)
        elif impact is not None:
            return render_template(
                "meetings/form.html", form=form, meeting=meeting, warnings=[impact.message]
            )
        else:
            _flash_time_notes(data)
            return redirect(url_for(".detail", meeting_id=meeting.id), 303)
    return form_page("meetings/form.html", form, meeting=meeting)


@organiser_required
def delete(meeting_id: int) -> BaseResponse:
    meeting = db.get_or_404(Meeting, meeting_id)
    if not ActionForm().validate_on_submit():
        flash("Le formulaire a expiré : rechargez la page.", "danger")
        return redirect(url_for(".detail", meeting_id=meeting_id), 303)
    title = meeting.title
    with commit_or_flash(MeetingError, f"Brouillon « {title} » supprimé.") as outcome:
        services.delete_draft(meeting)
    if outcome.refused:
        return redirect(url_for(".detail", meeting_id=meeting_id), 303)
    return redirect(url_for(".index"), 303)


# --- Meeting page -----------------------------------------------------------------------------------


@reader_required
def detail(meeting_id: int) -> str:
    # The lists are read only when the cached parts of the page are out of date (meetings/listing.py).
    meeting = load_meeting(meeting_id, lists=False)
    query = request.args.get("q", "").strip()
    return render_template(
        "meetings/detail.html",
        meeting=meeting,
        parts=listing.list_page(meeting, may_organise=current_user.has_role(UserRole.ORGANISATEUR)),
        query=query,
        candidates=calendar.search_persons(query) if query else [],
        is_editable=meeting.is_editable,
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


@reader_required
def history_cc(siren: str) -> str:
    epci = db.first_or_404(select(Intercommunality).where(Intercommunality.siren == siren))
    meetings = _history(select(Meeting).where(Meeting.intercommunality_id == epci.id))
    return render_template(
        "meetings/history.html", heading=epci.name, meetings=meetings, filter_args={"cc": siren}, related=[]
    )


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
