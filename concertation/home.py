"""What the home page lists: the work waiting for the organiser, in a few short, bounded queries.

Each list is one SELECT with a LIMIT (plus one for the counters), so the page costs the same with
ten meetings or ten thousand. A lecteur sees only what its pages show: no drafts, no invitations,
no delivery failures (they carry the élus' addresses).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from concertation.accounts.models import User
from concertation.extensions import db
from concertation.invitations.models import Answer, Invitation
from concertation.meetings.models import Meeting, MeetingStatus
from concertation.minutes.enums import OPEN_ACTION_STATUSES, MinutesStatus
from concertation.minutes.models import ActionItem, Minutes
from concertation.notifications.models import DeliveryState, OutboxMessage
from concertation.people.models import Person
from concertation.territory.models import Canton, Commune, Intercommunality, Sector, Syndicate

LIMIT = 8
#: Actions due within this many days are listed with the late ones.
DUE_WITHIN = timedelta(days=7)
FAILED_STATES = (DeliveryState.REFUSE, DeliveryState.ECHEC_TEMPORAIRE)


@dataclass(frozen=True)
class Unanswered:
    meeting: Meeting
    count: int


@dataclass
class Home:
    counts: dict[str, int]
    next_meetings: list[Meeting] = field(default_factory=list)
    drafts: list[Meeting] = field(default_factory=list)
    awaiting_minutes: list[Meeting] = field(default_factory=list)
    unanswered: list[Unanswered] = field(default_factory=list)
    due_actions: list[ActionItem] = field(default_factory=list)
    failed: list[OutboxMessage] = field(default_factory=list)


def reference_counts() -> dict[str, int]:
    """The counters of the reference data, in one statement."""
    labels = ("communes", "intercommunalités", "cantons", "secteurs", "syndicats", "personnes")
    models = (Commune, Intercommunality, Canton, Sector, Syndicate, Person)
    row = db.session.execute(
        select(*(select(func.count()).select_from(model).scalar_subquery() for model in models))
    ).one()
    return {label: int(n or 0) for label, n in zip(labels, row, strict=True)}


def _mine(user: User | None):  # type: ignore[no-untyped-def]
    """The organiser's own meetings, and those nobody organises (created by the API or a command)."""
    if user is None:
        return Meeting.organiser_id.is_(None)
    return or_(Meeting.organiser_id == user.id, Meeting.organiser_id.is_(None))


def _meetings(*conditions, order=Meeting.starts_at) -> list[Meeting]:  # type: ignore[no-untyped-def]
    return list(
        db.session.scalars(select(Meeting).where(*conditions).order_by(order, Meeting.id).limit(LIMIT))
    )


def home(user: User | None, *, organiser: bool, now: datetime, today: date) -> Home:
    """The lists of the home page for a user; `organiser` adds those a lecteur may not see."""
    page = Home(counts=reference_counts())
    upcoming = (Meeting.starts_at >= now,)
    if organiser:
        page.next_meetings = _meetings(*upcoming, Meeting.status == MeetingStatus.CONVOQUEE, _mine(user))
        page.drafts = _meetings(*upcoming, Meeting.status == MeetingStatus.BROUILLON, _mine(user))
    else:
        page.next_meetings = _meetings(*upcoming, Meeting.status == MeetingStatus.CONVOQUEE)
    diffused = select(Minutes.meeting_id).where(Minutes.status == MinutesStatus.DIFFUSE)
    page.awaiting_minutes = _meetings(
        Meeting.ends_at < now,
        Meeting.status.in_((MeetingStatus.CONVOQUEE, MeetingStatus.TENUE)),
        Meeting.id.not_in(diffused),
        order=Meeting.starts_at.desc(),
    )
    page.due_actions = list(
        db.session.scalars(
            select(ActionItem)
            .where(ActionItem.status.in_(OPEN_ACTION_STATUSES), ActionItem.due_on <= today + DUE_WITHIN)
            .order_by(ActionItem.due_on, ActionItem.id)
            .limit(LIMIT)
            .options(joinedload(ActionItem.meeting), joinedload(ActionItem.owner_person))
        )
    )
    if organiser:
        page.unanswered = _unanswered(now)
        page.failed = list(
            db.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.state.in_(FAILED_STATES), OutboxMessage.attempts > 0)
                .order_by(OutboxMessage.id.desc())
                .limit(LIMIT)
            )
        )
    return page


def _unanswered(now: datetime) -> list[Unanswered]:
    """Upcoming convoked meetings with invitations still without answer, and how many."""
    rows = db.session.execute(
        select(Meeting, func.count(Invitation.id))
        .join(Invitation, Invitation.meeting_id == Meeting.id)
        .where(
            Meeting.status == MeetingStatus.CONVOQUEE,
            Meeting.starts_at >= now,
            Invitation.cancelled_at.is_(None),
            Invitation.answer == Answer.EN_ATTENTE,
        )
        .group_by(Meeting.id)
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(LIMIT)
    ).all()
    return [Unanswered(meeting, int(count)) for meeting, count in rows]
