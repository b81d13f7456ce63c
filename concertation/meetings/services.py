"""Meeting services: creation and edition with validation, cancellation, deletion. Invitee list changes are
in `invitees`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select

from concertation.accounts import audit
from concertation.accounts.models import User
from concertation.contracts.models import Contract
from concertation.core.text import clean_line
from concertation.core.timeutils import now_utc, paris_to_utc, to_paris
from concertation.extensions import db
from concertation.meetings import signals
from concertation.meetings.changes import MeetingChanges, UpdateImpact
from concertation.meetings.contracts import AUTO, Link, check_relink, resolve_contract
from concertation.meetings.exceptions import (
    InvalidMeeting,
    MeetingNotDeletable,
    MeetingNotEditable,
)
from concertation.meetings.models import (
    AgendaItem,
    ConcertationPurpose,
    Meeting,
    MeetingKind,
    MeetingStatus,
)

# FIRST_YEAR..LAST_YEAR: the years a meeting can be in; beyond them, Paris-UTC conversions overflow.
from concertation.meetings.times import FIRST_YEAR, LAST_YEAR, paris_gap, repeated_hour_notes
from concertation.territory.models import Commune, Intercommunality, Sector

MAX_TITLE = 300

YEARS_MESSAGE = f"Date hors limites : l'année doit être comprise entre {FIRST_YEAR} et {LAST_YEAR}."


@dataclass
class MeetingInput:
    """What an organiser enters; times without offset are Europe/Paris wall-clock times."""

    kind: str
    title: str
    starts_at: datetime | None
    ends_at: datetime | None
    purpose: str = ""
    sector_town: str | None = None
    intercommunality_siren: str | None = None
    location_name: str = ""
    location_address: str = ""
    location_commune: str | None = None
    agenda: list[str] = field(default_factory=list)
    # The contract: an id, None for no link, or AUTO (a new concertation takes its CC's contract in
    # progress; an edit keeps the link while the territory stays, else takes the new CC's).
    contract_id: int | Literal[Link.AUTO] | None = AUTO

    def __post_init__(self) -> None:
        # Control and bidi characters would reach the calendars and emails (libical cuts a SUMMARY
        # at U+000B): dropped here, where forms and the API both enter.
        self.title = clean_line(self.title)
        self.location_name = clean_line(self.location_name)
        self.location_address = clean_line(self.location_address)
        self.agenda = [clean_line(item) for item in self.agenda]


@dataclass
class Resolved:
    kind: MeetingKind
    sector: Sector | None
    intercommunality: Intercommunality | None
    location_commune: Commune | None
    starts_at: datetime
    ends_at: datetime
    purpose: str
    contract: Contract | None = None


def time_notes(data: MeetingInput) -> list[str]:
    """What the organiser must know about the times entered (an hour that occurs twice is the first)."""
    return repeated_hour_notes(data.starts_at, data.ends_at)


def _utc_within_years(value: datetime | None) -> datetime | None:
    """The wall-clock or aware time as UTC; None when absent or outside FIRST_YEAR..LAST_YEAR."""
    if value is None or not FIRST_YEAR <= value.year <= LAST_YEAR:
        return None
    return paris_to_utc(value)


def _resolve(data: MeetingInput, *, is_new: bool, now: datetime, meeting: Meeting | None = None) -> Resolved:
    """Check every field, collecting French messages; raises InvalidMeeting with all of them."""
    errors: dict[str, str] = {}
    kind: MeetingKind | None = None
    try:
        kind = MeetingKind(data.kind)
    except ValueError:
        errors["kind"] = "Type de réunion inconnu : choisissez rendez_vous, concertation ou autre."
    title = data.title.strip()
    if not title:
        errors["title"] = "Le titre est obligatoire."
    elif len(title) > MAX_TITLE:
        errors["title"] = f"Le titre dépasse {MAX_TITLE} caractères."

    sector = None
    intercommunality = None
    if data.sector_town:
        sector = db.session.scalar(
            select(Sector).join(Sector.town).where(Commune.insee_code == data.sector_town)
        )
        if sector is None:
            errors["scope"] = (
                f"Secteur inconnu : aucune ville principale de code INSEE « {data.sector_town} »."
            )
    if data.intercommunality_siren:
        intercommunality = db.session.scalar(
            select(Intercommunality).where(Intercommunality.siren == data.intercommunality_siren)
        )
        if intercommunality is None:
            errors["scope"] = f"Intercommunalité inconnue : SIREN « {data.intercommunality_siren} »."
    if "scope" not in errors:
        if kind is MeetingKind.RENDEZ_VOUS and (sector is None or intercommunality is not None):
            errors["scope"] = (
                "Un Rendez-vous de Territoire porte sur le secteur d'une des 5 villes principales."
            )
        elif kind is MeetingKind.CONCERTATION and (intercommunality is None or sector is not None):
            errors["scope"] = "Une concertation territoriale porte sur une communauté de communes."
        elif kind is MeetingKind.AUTRE and sector is not None and intercommunality is not None:
            errors["scope"] = "Choisissez un secteur ou une intercommunalité, pas les deux."

    starts_at = _utc_within_years(data.starts_at)
    ends_at = _utc_within_years(data.ends_at)
    # zoneinfo would silently move a time inside the spring gap (02:30 -> 03:30): refuse it instead.
    for key, label, value in (("starts_at", "début", data.starts_at), ("ends_at", "fin", data.ends_at)):
        gap = paris_gap(label, value)
        if gap is not None:
            errors[key] = gap
    if starts_at is None:
        errors.setdefault(
            "starts_at",
            "La date et l'heure de début sont obligatoires." if data.starts_at is None else YEARS_MESSAGE,
        )
    elif is_new and starts_at < now:
        errors.setdefault(
            "starts_at", "La date de début est déjà passée : une nouvelle réunion se tient dans le futur."
        )
    if ends_at is None:
        errors.setdefault(
            "ends_at",
            "La date et l'heure de fin sont obligatoires." if data.ends_at is None else YEARS_MESSAGE,
        )
    elif starts_at is not None and ends_at <= starts_at:
        errors.setdefault("ends_at", "La fin doit être postérieure au début.")

    purpose = data.purpose.strip()
    if kind is MeetingKind.CONCERTATION:
        if purpose not in {p.value for p in ConcertationPurpose}:
            choices = ", ".join(p.value for p in ConcertationPurpose)
            errors["purpose"] = f"Objet de la concertation obligatoire, parmi : {choices}."
    elif kind is MeetingKind.RENDEZ_VOUS:
        if not purpose and starts_at is not None:
            purpose = str(to_paris(starts_at).year)
        if not (purpose.isascii() and purpose.isdigit() and len(purpose) == 4):
            errors["purpose"] = "L'objet d'un Rendez-vous de Territoire est son année (ex. 2027)."
        elif starts_at is not None and int(purpose) != to_paris(starts_at).year:
            errors["purpose"] = "L'année du Rendez-vous doit être celle de sa date."
    elif len(purpose) > 40:
        errors["purpose"] = "L'objet dépasse 40 caractères."

    location_commune = None
    if data.location_commune:
        location_commune = db.session.scalar(
            select(Commune).where(Commune.insee_code == data.location_commune)
        )
        if location_commune is None:
            errors["location.commune"] = f"Commune du lieu inconnue : « {data.location_commune} »."
    for index, item in enumerate(data.agenda, start=1):
        if not item.strip():
            errors[f"agenda.{index}"] = f"Le point n° {index} de l'ordre du jour est vide."
        elif len(item) > 500:
            errors[f"agenda.{index}"] = f"Le point n° {index} de l'ordre du jour dépasse 500 caractères."

    contract = None
    if "scope" not in errors and "kind" not in errors:
        contract = resolve_contract(
            data.contract_id, meeting, kind, sector, intercommunality, starts_at, errors
        )
        if meeting is not None and "contract_id" not in errors:
            check_relink(meeting, contract, errors)

    if errors:
        raise InvalidMeeting(errors)
    assert kind is not None and starts_at is not None and ends_at is not None
    return Resolved(kind, sector, intercommunality, location_commune, starts_at, ends_at, purpose, contract)


def create_meeting(data: MeetingInput, organiser: User | None, *, now: datetime | None = None) -> Meeting:
    """A new draft meeting; the caller commits."""
    resolved = _resolve(data, is_new=True, now=now or now_utc())
    meeting = Meeting(
        kind=resolved.kind,
        title=data.title.strip(),
        purpose=resolved.purpose,
        sector=resolved.sector,
        intercommunality=resolved.intercommunality,
        starts_at=resolved.starts_at,
        ends_at=resolved.ends_at,
        location_name=data.location_name.strip(),
        location_address=data.location_address.strip(),
        location_commune=resolved.location_commune,
        organiser=organiser,
        status=MeetingStatus.BROUILLON,
        contract=resolved.contract,
    )
    meeting.agenda_items = [
        AgendaItem(position=i, title=title.strip()) for i, title in enumerate(data.agenda, start=1)
    ]
    db.session.add(meeting)
    db.session.flush()
    return meeting


def _changes(meeting: Meeting, resolved: Resolved, data: MeetingInput) -> MeetingChanges:
    changes = MeetingChanges(
        time_changed=(resolved.starts_at, resolved.ends_at) != (meeting.starts_at, meeting.ends_at),
        place_changed=(
            data.location_name.strip(),
            data.location_address.strip(),
            resolved.location_commune.id if resolved.location_commune else None,
        )
        != (meeting.location_name, meeting.location_address, meeting.location_commune_id),
        scope_changed=(
            resolved.kind != meeting.kind
            or resolved.sector is not meeting.sector
            or resolved.intercommunality is not meeting.intercommunality
        ),
        old_starts_at=meeting.starts_at,
        old_ends_at=meeting.ends_at,
        new_starts_at=resolved.starts_at,
    )
    changes.other_changed = (
        data.title.strip() != meeting.title
        or resolved.purpose != meeting.purpose
        or [a.strip() for a in data.agenda] != [a.title for a in meeting.agenda_items]
    )
    return changes


def _resolve_edit(meeting: Meeting, data: MeetingInput) -> Resolved:
    if not meeting.is_editable:
        raise MeetingNotEditable(meeting.status.label)
    resolved = _resolve(data, is_new=False, now=now_utc(), meeting=meeting)
    if resolved.starts_at != meeting.starts_at and resolved.starts_at < now_utc():
        raise InvalidMeeting({"starts_at": "La nouvelle date de début est déjà passée."})
    return resolved


def update_impact(
    meeting: Meeting, data: MeetingInput, *, notify_anyway: bool = False
) -> UpdateImpact | None:
    """What saving this edit would reset and send (None: nothing), without changing anything.

    Raises InvalidMeeting like update_meeting. The invitations domain counts the answers and
    recipients (signals.update_impact), since meetings do not know invitations.
    """
    changes = _changes(meeting, _resolve_edit(meeting, data), data)
    for _receiver, impact in signals.update_impact.send(
        meeting, changes=changes, notify_anyway=notify_anyway
    ):
        if isinstance(impact, UpdateImpact):
            return impact
    return None


def update_meeting(meeting: Meeting, data: MeetingInput, *, notify_anyway: bool = False) -> MeetingChanges:
    """Apply an edit (same checks as creation, past dates allowed if unchanged); the caller commits."""
    resolved = _resolve_edit(meeting, data)
    changes = _changes(meeting, resolved, data)
    agenda = [a.strip() for a in data.agenda]
    meeting.kind = resolved.kind
    meeting.title = data.title.strip()
    meeting.purpose = resolved.purpose
    meeting.sector = resolved.sector
    meeting.intercommunality = resolved.intercommunality
    meeting.starts_at = resolved.starts_at
    meeting.ends_at = resolved.ends_at
    meeting.location_name = data.location_name.strip()
    meeting.location_address = data.location_address.strip()
    meeting.location_commune = resolved.location_commune
    meeting.contract = resolved.contract
    if agenda != [a.title for a in meeting.agenda_items]:
        meeting.agenda_items = [AgendaItem(position=i, title=t) for i, t in enumerate(agenda, start=1)]
    db.session.flush()
    signals.meeting_updated.send(meeting, changes=changes, notify_anyway=notify_anyway)
    return changes


def cancel_meeting(meeting: Meeting) -> None:
    """Cancel a meeting; once convoked, every invitee receives a cancellation. The caller commits."""
    if not meeting.is_editable:
        raise MeetingNotEditable(meeting.status.label)
    was_convoked = meeting.status == MeetingStatus.CONVOQUEE
    meeting.status = MeetingStatus.ANNULEE
    db.session.flush()
    signals.meeting_cancelled.send(meeting, was_convoked=was_convoked)
    audit.record(
        audit.AuditAction.CANCELLATION,
        meeting.journal_label,
        "les invités reçoivent une annulation" if was_convoked else "jamais convoquée",
    )


def delete_draft(meeting: Meeting) -> None:
    """Delete a draft that was never convoked (nobody was told of it); the caller commits.

    Once convoked, invitees hold it in their calendars: it can only be cancelled, which tells them.
    """
    if meeting.status != MeetingStatus.BROUILLON or meeting.is_frozen:
        raise MeetingNotDeletable(
            "Convoquée" if meeting.status == MeetingStatus.BROUILLON else meeting.status.label
        )
    db.session.delete(meeting)
    db.session.flush()


def meeting_as_dict(meeting: Meeting) -> dict[str, Any]:
    """A JSON-ready view of a meeting (API and exports)."""
    return {
        "id": meeting.id,
        "kind": meeting.kind,
        "title": meeting.title,
        "purpose": meeting.purpose,
        "status": meeting.status,
        "scope": (
            {"sector": meeting.sector.town.insee_code}
            if meeting.sector is not None
            else {"intercommunality": meeting.intercommunality.siren}
            if meeting.intercommunality is not None
            else {}
        ),
        "starts_at": meeting.starts_at.isoformat(),
        "ends_at": meeting.ends_at.isoformat(),
        "location": {
            "name": meeting.location_name,
            "address": meeting.location_address,
            "commune": meeting.location_commune.insee_code if meeting.location_commune else None,
        },
        "agenda": [item.title for item in meeting.agenda_items],
        "sequence": meeting.sequence,
    }
