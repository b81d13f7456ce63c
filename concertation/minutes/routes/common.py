"""What the minutes views share: loading, the current user, settings, answers, the commit of a form."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import current_app, flash, redirect, url_for
from flask_wtf import FlaskForm
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response as BaseResponse

from concertation.contracts.settings import ProjectRules, project_rules
from concertation.core.routing import commit_or_flash
from concertation.extensions import db
from concertation.meetings.models import Meeting
from concertation.minutes.exceptions import InvalidInput, MinutesError
from concertation.minutes.scans import ScanSettings
from concertation.notifications.emails import MailContext
from concertation.territory.models import Sector

T = TypeVar("T")


def load_meeting(meeting_id: int) -> Meeting:
    """The meeting with what every page of this blueprint shows, or 404."""
    return db.get_or_404(
        Meeting,
        meeting_id,
        options=[
            selectinload(Meeting.agenda_items),
            selectinload(Meeting.sector).selectinload(Sector.intercommunalities),
            selectinload(Meeting.intercommunality),
            selectinload(Meeting.location_commune),
            selectinload(Meeting.contract),
        ],
    )


def scan_settings() -> ScanSettings:
    return ScanSettings.from_config(current_app.config, current_app.instance_path)


def rules() -> ProjectRules:
    return project_rules(current_app.config)


def mail_context() -> MailContext:
    return MailContext.from_config(current_app.config)


def back(endpoint: str, meeting: Meeting, anchor: str | None = None) -> BaseResponse:
    return redirect(url_for(endpoint, meeting_id=meeting.id, _anchor=anchor), 303)


def submit(
    form: FlaskForm,
    action: Callable[[], T],
    *,
    done: Callable[[T], str],
    then: BaseResponse,
    again: Callable[[], tuple[str, int]],
    failed: BaseResponse | None = None,
) -> BaseResponse | tuple[str, int]:
    """The POST of `form`: commit `action` and flash `done(result)`, answering `then`. A form that does not
    validate, or a refused input (InvalidInput, its messages put on `form`), answers `again()`: the page
    with the form, 422. Any other MinutesError is flashed and answered with `failed` (else `then`)."""
    if not form.validate_on_submit():
        return again()
    with commit_or_flash(MinutesError, form=form, invalid=InvalidInput) as outcome:
        result = action()
    if outcome.invalid:
        return again()
    if outcome.refused:
        return failed if failed is not None else then
    # Worded after the commit, from what the service returned.
    flash(done(result), "success")
    return then


def expired(then: BaseResponse) -> BaseResponse:
    """The answer to a POST whose form did not validate: its CSRF token is stale."""
    flash("Le formulaire a expiré : rechargez la page.", "danger")
    return then
