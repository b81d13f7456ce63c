"""What the minutes views share: loading, the current user, settings, answers."""

from __future__ import annotations

from flask import current_app, redirect, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response as BaseResponse

from concertation.accounts.models import User
from concertation.contracts.settings import ProjectRules, project_rules
from concertation.extensions import db
from concertation.meetings.models import Meeting
from concertation.minutes.scans import ScanSettings
from concertation.notifications.emails import MailContext
from concertation.territory.models import Sector


def me() -> User:
    user: User = current_user._get_current_object()
    return user


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
