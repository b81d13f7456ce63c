"""Recording and queueing reminders: the key is written first, so a reminder is never sent twice."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from concertation.accounts.models import User, UserRole
from concertation.core.timeutils import PARIS, to_paris
from concertation.extensions import db
from concertation.followup.models import ReminderKind, ReminderLog, ReminderOptOut
from concertation.meetings.models import Meeting
from concertation.notifications.bodies import render_body
from concertation.notifications.emails import MailContext
from concertation.notifications.mime_headers import stable_message_id
from concertation.notifications.models import MessageKind
from concertation.notifications.outbox import enqueue_email, simple_email


@dataclass(frozen=True)
class FollowupSettings:
    """Delays of the reminders; each is a setting (FOLLOWUP_* in the configuration)."""

    unanswered_days: int = 7
    eve_days: int = 1
    annual_from_month: int = 3
    annual_every_days: int = 7
    contract_end_notice_months: int = 6
    amendment_pending_months: int = 3
    action_due_days: int = 7
    minutes_draft_days: int = 10
    # Reminders leave from this hour (Europe/Paris) on their day, never in the night.
    send_from_hour: int = 8

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> FollowupSettings:
        values = {
            name: int(config[f"FOLLOWUP_{name.upper()}"])
            for name in cls.__dataclass_fields__
            if f"FOLLOWUP_{name.upper()}" in config
        }
        return cls(**values)


@dataclass
class Clock:
    """The instant a run considers as now, and the Lozère day and hour it falls on."""

    now: datetime
    today: date = field(init=False)

    def __post_init__(self) -> None:
        self.today = to_paris(self.now).date()

    def last_sending_day(self, settings: FollowupSettings) -> date:
        """The latest day whose sending hour has passed (yesterday, before 8:00)."""
        if self.due(self.today, settings):
            return self.today
        return self.today - timedelta(days=1)

    def due(self, on: date, settings: FollowupSettings) -> bool:
        """True from `send_from_hour` (Paris) on the day `on`, and any time after that day."""
        start = datetime.combine(on, time(settings.send_from_hour), tzinfo=PARIS)
        return self.now >= start


@dataclass
class Reminder:
    """One email to send once for (kind, object, period, recipient)."""

    kind: ReminderKind
    object_type: str
    object_id: int
    period: str
    recipient_email: str
    recipient_name: str
    subject: str
    template: str
    context: dict[str, Any]
    meeting_id: int | None = None
    contract_id: int | None = None


@dataclass(frozen=True)
class Notice:
    """A reminder written for the organisers' side (template "reminder_organiser"): a title, a few lines
    and one link; `to` addresses it to one recipient."""

    kind: ReminderKind
    object_type: str
    object_id: int
    period: str
    subject: str
    lines: list[str]
    link: tuple[str, str]
    meeting_id: int | None = None
    contract_id: int | None = None

    def to(self, email: str, name: str) -> Reminder:
        return Reminder(
            kind=self.kind,
            object_type=self.object_type,
            object_id=self.object_id,
            period=self.period,
            recipient_email=email,
            recipient_name=name,
            subject=self.subject,
            template="reminder_organiser",
            context={
                "title": self.subject,
                "lines": self.lines,
                "link_url": self.link[0],
                "link_label": self.link[1],
            },
            meeting_id=self.meeting_id,
            contract_id=self.contract_id,
        )


def opted_out(kind: ReminderKind, *, meeting_id: int | None = None, contract_id: int | None = None) -> bool:
    query = select(ReminderOptOut.id).where(ReminderOptOut.kind == kind)
    if meeting_id is not None:
        query = query.where(ReminderOptOut.meeting_id == meeting_id)
    elif contract_id is not None:
        query = query.where(ReminderOptOut.contract_id == contract_id)
    else:
        return False
    return db.session.scalar(query.limit(1)) is not None


def organisers() -> list[User]:
    """Every enabled account that organises (organisateur or admin)."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.is_enabled.is_(True), User.role.in_([UserRole.ORGANISATEUR, UserRole.ADMIN]))
            .order_by(User.email)
        )
    )


def _message_domain(reminder: Reminder, ctx: MailContext) -> str:
    """A meeting's reminders carry the domain its invitations went out with (stored when first sent)."""
    meeting = db.session.get(Meeting, reminder.meeting_id) if reminder.meeting_id is not None else None
    return (meeting.calendar_uid_domain if meeting is not None else "") or ctx.host


def send(reminder: Reminder, ctx: MailContext, *, now: datetime) -> bool:
    """Record the reminder's key, then queue its email, in the caller's transaction.

    Returns False when the key exists already (sent before, or by another scheduler right now):
    the unique constraint decides, inside a savepoint, so the rest of the run goes on.
    """
    entry = ReminderLog(
        kind=reminder.kind,
        object_type=reminder.object_type,
        object_id=reminder.object_id,
        period=reminder.period,
        recipient_email=reminder.recipient_email.lower(),
        meeting_id=reminder.meeting_id,
        contract_id=reminder.contract_id,
        summary=reminder.subject[:500],
        created_at=now,
    )
    exists = db.session.scalar(
        select(ReminderLog.id).where(
            ReminderLog.kind == entry.kind,
            ReminderLog.object_type == entry.object_type,
            ReminderLog.object_id == entry.object_id,
            ReminderLog.period == entry.period,
            ReminderLog.recipient_email == entry.recipient_email,
        )
    )
    if exists is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:
        return False
    context = {"contact": _contact(), **reminder.context}
    message_id = stable_message_id(
        f"rappel-{reminder.kind.value}", entry.id, 0, _message_domain(reminder, ctx)
    )
    email = simple_email(
        ctx,
        MessageKind.REMINDER,
        to_name=reminder.recipient_name,
        to_email=reminder.recipient_email,
        subject=reminder.subject,
        body=render_body(reminder.template, context),
        message_id=message_id,
        meeting_id=reminder.meeting_id,
    )
    queued = enqueue_email(email)
    db.session.flush()
    entry.outbox_message_id = queued.id
    return True


def _contact() -> dict[str, str]:
    from concertation.notifications.emails import ORGANISER_CONTACT

    return dict(ORGANISER_CONTACT)


def add_months(on: date, months: int) -> date:
    """The same day `months` later (or earlier), clamped to the month's end."""
    month_index = on.month - 1 + months
    year, month = on.year + month_index // 12, month_index % 12 + 1
    for day in (on.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def days_before(on: date, days: int) -> date:
    return on - timedelta(days=days)
