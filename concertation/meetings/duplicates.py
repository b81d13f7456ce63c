"""A second meeting of the same kind, scope and year or object: the creation form asks first."""

from __future__ import annotations

from sqlalchemy import select

from concertation.core.timeutils import to_paris
from concertation.extensions import db
from concertation.meetings.models import Meeting, MeetingKind, MeetingStatus
from concertation.meetings.services import MeetingInput
from concertation.territory.models import Commune, Intercommunality, Sector


def existing_duplicates(data: MeetingInput) -> list[str]:
    """French warnings when a meeting of the same kind, scope and year or object already exists.

    A second Rendez-vous de Territoire of a town for a year is almost always a double entry: the
    creation form asks for a confirmation instead of saving it silently. Cancelled ones do not count.
    """
    try:
        kind = MeetingKind(data.kind)
    except ValueError:
        return []
    query = select(Meeting).where(Meeting.kind == kind, Meeting.status != MeetingStatus.ANNULEE)
    if kind is MeetingKind.RENDEZ_VOUS and data.sector_town:
        year = data.purpose.strip() or (str(data.starts_at.year) if data.starts_at else "")
        query = query.join(Sector, Sector.id == Meeting.sector_id).join(Commune, Commune.id == Sector.town_id)
        query = query.where(Commune.insee_code == data.sector_town, Meeting.purpose == year)
    elif kind is MeetingKind.CONCERTATION and data.intercommunality_siren and data.purpose:
        query = query.join(Intercommunality, Intercommunality.id == Meeting.intercommunality_id)
        query = query.where(
            Intercommunality.siren == data.intercommunality_siren, Meeting.purpose == data.purpose.strip()
        )
    else:
        return []
    found = []
    for other in db.session.scalars(query.order_by(Meeting.starts_at)):
        what = (
            f"un Rendez-vous de {other.sector.name} {other.purpose}"
            if other.sector is not None and kind is MeetingKind.RENDEZ_VOUS
            else f"une concertation « {other.purpose_label} » avec {other.scope_label}"
        )
        found.append(
            f"Attention : {what} existe déjà (« {other.title} », {format_meeting_time_short(other)}, "
            f"{other.status.label.lower()})."
        )
    return found


def format_meeting_time_short(meeting: Meeting) -> str:
    return f"le {to_paris(meeting.starts_at):%d/%m/%Y à %H:%M}"
