"""Reminders of action items and of draft minutes: who receives them, and when they stop."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest
from flask import Flask
from sqlalchemy import select

from concertation.accounts.models import User, UserRole
from concertation.core.timeutils import PARIS
from concertation.extensions import db
from concertation.followup.engine import FollowupSettings
from concertation.followup.models import ReminderKind, ReminderLog
from concertation.followup.services import run_reminders
from concertation.minutes.actions import ActionInput, add_action, set_action_status
from concertation.minutes.minutes import SectionInput, ensure_minutes, update_sections, validate_minutes
from concertation.notifications.emails import MailContext
from tests.common import db as f
from tests.common.db.minutes import HELD_ON, past_meeting

pytestmark = pytest.mark.usefixtures("lozere")


def _run(app: Flask, day: date) -> None:
    run_reminders(
        datetime(day.year, day.month, day.day, 9, tzinfo=PARIS),
        FollowupSettings(),
        MailContext.from_config(app.config),
    )
    db.session.commit()


def _sent(kind: ReminderKind) -> list[str]:
    return sorted(db.session.scalars(select(ReminderLog.recipient_email).where(ReminderLog.kind == kind)))


def test_action_reminders_go_to_the_owner_or_to_the_organisers(
    app: Flask, make_user: Callable[..., User]
) -> None:
    organisers = [make_user(UserRole.ORGANISATEUR), make_user(UserRole.ADMIN)]
    elus = f.gevaudan_elus()
    owner = next(p for p in elus if p.email)
    meeting = past_meeting()
    by_person = add_action(
        meeting, ActionInput(title="Délibérer", owner_person_id=owner.id, due_on=date(2026, 12, 15))
    )
    add_action(meeting, ActionInput(title="Pré-instruire", owner_service="DATE", due_on=date(2026, 12, 15)))
    done = add_action(meeting, ActionInput(title="Fait", owner_service="DATE", due_on=date(2026, 12, 15)))
    set_action_status(done, "faite")
    db.session.commit()
    _run(app, date(2026, 12, 7))
    assert _sent(ReminderKind.ACTION_DUE) == []
    _run(app, date(2026, 12, 8))
    _run(app, date(2026, 12, 9))
    assert _sent(ReminderKind.ACTION_DUE) == sorted([owner.email or "", *(u.email for u in organisers)])
    set_action_status(by_person, "faite")
    db.session.commit()
    _run(app, date(2026, 12, 16))
    _run(app, date(2026, 12, 20))
    assert _sent(ReminderKind.ACTION_OVERDUE) == sorted(u.email for u in organisers)


def test_minutes_draft_reminder_goes_to_the_organiser_unless_validated(
    app: Flask, make_user: Callable[..., User]
) -> None:
    organiser = make_user(UserRole.ORGANISATEUR)
    make_user(UserRole.ORGANISATEUR)
    f.gevaudan_elus()
    mine = past_meeting(title="Réunion suivie")
    mine.organiser = organiser
    validated = past_meeting(title="Réunion au compte rendu validé")
    for meeting in (mine, validated):
        meeting.status = "tenue"  # type: ignore[assignment]
    minutes = ensure_minutes(validated)
    update_sections(minutes, [SectionInput(section_id=minutes.sections[0].id, body="Fait.")])
    validate_minutes(minutes)
    db.session.commit()
    assert HELD_ON.date() == date(2026, 11, 10)
    _run(app, date(2026, 11, 19))
    assert _sent(ReminderKind.MINUTES_DRAFT) == []
    _run(app, date(2026, 11, 20))
    _run(app, date(2026, 11, 21))
    assert _sent(ReminderKind.MINUTES_DRAFT) == [organiser.email]
