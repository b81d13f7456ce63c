"""The demo meetings: the concertation of the CC du Gévaudan on its contract, the Rendez-vous de Mende.

Built through the meetings service, like an organiser's, so that the concertation is linked to the CC's
contract the way every new concertation is (`flask contracts demo` first). Run twice, it adds nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from concertation.contracts.queries import contracts_of
from concertation.core.timeutils import today_paris
from concertation.extensions import db
from concertation.meetings.calendar import rendez_vous_title
from concertation.meetings.contracts import AUTO, contract_for
from concertation.meetings.models import Meeting
from concertation.meetings.services import MeetingInput, create_meeting
from concertation.territory.models import Commune, Intercommunality, Sector

GEVAUDAN = "244800470"
MARVEJOLS = "48092"
MENDE = "48095"


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour))


def _exists(title: str) -> bool:
    return db.session.scalar(select(Meeting.id).where(Meeting.title == title).limit(1)) is not None


def load_demo_meetings(today: date | None = None) -> list[Meeting]:
    """The two demo meetings, in a month and in six weeks; those already there are left alone. The caller
    commits. Needs the territory; without a contract of the CC du Gévaudan the concertation has none."""
    day = today or today_paris()
    created: list[Meeting] = []
    epci = db.session.scalar(select(Intercommunality).where(Intercommunality.siren == GEVAUDAN))
    title = "Concertation territoriale – CC du Gévaudan"
    if epci is not None and not _exists(title):
        start = _at(day + timedelta(days=30), 14)
        # Its contract in progress; a closed one still, if the CC has no other (a demo shows a link).
        link = contract_for(epci, start.date())
        latest = next(iter(contracts_of([epci.id])), None)
        contract_id = AUTO if link is not None or latest is None else latest.id
        data = MeetingInput(
            kind="concertation",
            title=title,
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            purpose="propositions",
            intercommunality_siren=GEVAUDAN,
            location_name="Salle des fêtes",
            location_address="Place du Soubeyran",
            location_commune=MARVEJOLS,
            agenda=["Accueil", "Le contrat et son plan d'actions", "Priorisation des projets", "Questions"],
            contract_id=contract_id,
        )
        created.append(create_meeting(data, None))
    sector = db.session.scalar(select(Sector).join(Sector.town).where(Commune.insee_code == MENDE))
    start = _at(day + timedelta(days=45), 18)
    if sector is not None and not _exists(title := rendez_vous_title(sector, start.year)):
        data = MeetingInput(
            kind="rendez_vous",
            title=title,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            sector_town=MENDE,
            location_name="Hôtel du Département",
            location_commune=MENDE,
            agenda=["Les contrats du secteur", "Avancement des projets", "Calendrier de l'année"],
        )
        created.append(create_meeting(data, None))
    return created
