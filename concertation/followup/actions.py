"""The action items the follow-up page lists: open, and due within the reminders' horizon or overdue."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from concertation.extensions import db
from concertation.minutes.enums import OPEN_ACTION_STATUSES
from concertation.minutes.models import ActionItem

LIMIT = 200


def due_actions(today: date, horizon_days: int, *, limit: int = LIMIT) -> list[ActionItem]:
    """Open action items due on or before `today + horizon_days`, the most overdue first.

    The same horizon as the J-7 reminder (FOLLOWUP_ACTION_DUE_DAYS): what the page lists is what the
    reminders are about to send or have sent.
    """
    horizon = today + timedelta(days=horizon_days)
    return list(
        db.session.scalars(
            select(ActionItem)
            .where(ActionItem.status.in_(OPEN_ACTION_STATUSES), ActionItem.due_on <= horizon)
            .options(selectinload(ActionItem.owner_person), selectinload(ActionItem.meeting))
            .order_by(ActionItem.due_on, ActionItem.id)
            .limit(limit)
        )
    )
