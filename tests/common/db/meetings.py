"""Meeting factories: meetings created through the service, at Paris times."""

from __future__ import annotations

from datetime import datetime, timedelta

from concertation.core.timeutils import PARIS
from concertation.meetings.models import Meeting
from concertation.meetings.services import MeetingInput, create_meeting


def paris(year: int, month: int, day: int, hour: int = 14, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def meeting(
    kind: str = "concertation",
    *,
    siren: str | None = "244800470",
    town: str | None = None,
    starts_at: datetime | None = None,
    hours: int = 3,
    purpose: str | None = None,
    title: str = "Concertation",
    now: datetime | None = None,
) -> Meeting:
    start = starts_at or paris(2027, 3, 9)
    if kind == "rendez_vous":
        siren = None
    created = create_meeting(
        MeetingInput(
            kind=kind,
            title=title,
            starts_at=start,
            ends_at=start + timedelta(hours=hours),
            purpose=purpose if purpose is not None else ("diagnostic" if kind == "concertation" else ""),
            sector_town=town,
            intercommunality_siren=siren,
            location_name="Salle des fêtes",
            agenda=["Accueil", "Diagnostic du territoire"],
        ),
        None,
        now=now or paris(2026, 11, 1),
    )
    return created
