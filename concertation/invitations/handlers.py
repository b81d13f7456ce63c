"""Glue between meeting signals and invitation services (connected once by the app factory)."""

from __future__ import annotations

from typing import Any

from flask import current_app

from concertation.invitations import changes
from concertation.meetings import signals
from concertation.meetings.models import Meeting
from concertation.notifications.emails import MailContext


def _ctx() -> MailContext:
    return MailContext.from_config(current_app.config)


def _updated(meeting: Meeting, **kwargs: Any) -> None:
    changes.on_meeting_updated(meeting, _ctx(), kwargs["changes"], notify_anyway=kwargs["notify_anyway"])


def _impact(meeting: Meeting, **kwargs: Any) -> Any:
    return changes.update_impact(meeting, kwargs["changes"], notify_anyway=kwargs["notify_anyway"])


def _cancelled(meeting: Meeting, **kwargs: Any) -> None:
    changes.on_meeting_cancelled(meeting, _ctx(), was_convoked=kwargs["was_convoked"])


def _invitees_changed(meeting: Meeting, **kwargs: Any) -> None:
    changes.on_invitees_changed(meeting, _ctx(), kwargs["applied"])


def connect() -> None:
    """Idempotent: blinker keeps one connection per receiver."""
    signals.meeting_updated.connect(_updated)
    signals.meeting_cancelled.connect(_cancelled)
    signals.update_impact.connect(_impact)
    signals.invitees_changed.connect(_invitees_changed)
