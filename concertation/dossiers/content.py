"""The content of a dossier de séance, built from the data at the moment it is generated.

A concertation linked to a contract gets the contract part (`concertation.py`), a Rendez-vous de
Territoire the sector part (`rendezvous.py`); every dossier starts with the meeting (`meeting_part.py`).
What is built here is plain values: the template only lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from concertation.core.dates import format_day, format_time
from concertation.core.timeutils import to_paris
from concertation.dossiers.concertation import ConcertationPart, concertation_part
from concertation.dossiers.meeting_part import MeetingPart, meeting_part
from concertation.dossiers.rendezvous import RendezVousPart, rendez_vous_part
from concertation.meetings.models import Meeting, MeetingKind

NO_CONTRACT = (
    "Aucun contrat territorial n'est relié à cette concertation : le dossier ne présente que la réunion. "
    "Reliez le contrat à la réunion puis générez une nouvelle version du dossier."
)
NO_SECTOR = "Ce Rendez-vous de Territoire n'a pas de secteur : aucun contrat n'y est présenté."


def dossier_title(meeting_title: str) -> str:
    """The title of the document, of its row and of the PDF's metadata."""
    return f"Dossier de séance — {meeting_title}"


@dataclass(frozen=True)
class TocEntry:
    anchor: str
    title: str
    level: int = 1


@dataclass(frozen=True)
class Dossier:
    meeting: MeetingPart
    version: int
    # "vendredi 4 décembre 2026 à 17 h 05", in Europe/Paris.
    generated: str
    concertation: ConcertationPart | None = None
    rendez_vous: RendezVousPart | None = None
    # Why the dossier has no contract part, for the élus (empty when it has one).
    notice: str = ""
    toc: list[TocEntry] = field(default_factory=list)

    @property
    def title(self) -> str:
        return dossier_title(self.meeting.title)


def _toc(concertation: ConcertationPart | None, rendez_vous: RendezVousPart | None) -> list[TocEntry]:
    entries = [TocEntry("reunion", "La réunion")]
    if concertation is not None:
        entries += [
            TocEntry("contrat", "Le contrat et son étape"),
            TocEntry("diagnostic", "Le diagnostic"),
            TocEntry("fiches", "Les fiches projets"),
            TocEntry("maquette", "La maquette financière"),
            TocEntry("avenants", "Les avenants"),
            TocEntry("seances", "Décisions et actions des séances précédentes"),
        ]
    if rendez_vous is not None:
        entries.append(TocEntry("secteur", f"Le secteur de {rendez_vous.sector}"))
        entries += [TocEntry(s.anchor, s.name, 2) for s in rendez_vous.sections]
    return entries


def build_dossier(meeting: Meeting, *, version: int, now: datetime) -> Dossier:
    """The dossier of the meeting as the data stands at `now` (aware), numbered `version`."""
    local = to_paris(now)
    concertation = rendez_vous = None
    notice = ""
    if meeting.kind == MeetingKind.RENDEZ_VOUS:
        if meeting.sector is not None:
            rendez_vous = rendez_vous_part(meeting, meeting.sector)
        else:
            notice = NO_SECTOR
    elif meeting.contract_id is not None:
        concertation = concertation_part(meeting, meeting.contract_id, local.date())
    elif meeting.kind == MeetingKind.CONCERTATION:
        notice = NO_CONTRACT
    return Dossier(
        meeting=meeting_part(meeting),
        version=version,
        generated=f"{format_day(local.date())} à {format_time(now)}",
        concertation=concertation,
        rendez_vous=rendez_vous,
        notice=notice,
        toc=_toc(concertation, rendez_vous),
    )
