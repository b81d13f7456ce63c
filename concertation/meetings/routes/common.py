"""What the meeting views share: the current user, loading a meeting, a form's first error."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import joinedload, selectinload

from concertation.extensions import db
from concertation.meetings import listing
from concertation.meetings.models import Meeting
from concertation.territory.models import Sector


def first_error(form: Any) -> str:
    return next((e for errors in form.errors.values() for e in errors), "Formulaire invalide.")


def load_meeting(meeting_id: int, *, lists: bool = True) -> Meeting:
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
