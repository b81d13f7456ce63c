"""Warnings shown on an invitee list, so that organisers never forget a maire or double-book an élu."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import holidays
from flask import current_app
from sqlalchemy import select

from concertation.core.dated import valid_on
from concertation.core.text import fold, sort_key
from concertation.core.timeutils import to_paris
from concertation.extensions import db
from concertation.meetings.composition import ComputedInvitee, compute_invitees, meeting_territory
from concertation.meetings.models import Meeting, MeetingKind, MeetingStatus
from concertation.people.models import Mandate, Role, french_de


@dataclass(frozen=True)
class ListWarning:
    """A French message, and its kind for styling and tests."""

    kind: str
    message: str


def date_warnings(on: date) -> list[ListWarning]:
    """A meeting on a French public holiday or a weekend."""
    found: list[ListWarning] = []
    name = _french_holidays(on.year).get(on)
    if name:
        found.append(ListWarning("holiday", f"La réunion tombe un jour férié : {name}."))
    if on.weekday() >= 5:
        day = "samedi" if on.weekday() == 5 else "dimanche"
        found.append(ListWarning("weekend", f"La réunion tombe un {day}."))
    return found


@lru_cache(maxsize=32)
def _french_holidays(year: int) -> dict[date, str]:
    # Building the calendar costs more than the rest of the page's warnings: once per year and process.
    return dict(holidays.country_holidays("FR", years=year, language="fr"))


def list_warnings(meeting: Meeting, lines: list[ComputedInvitee] | None = None) -> list[ListWarning]:
    """Every warning for a meeting's list: paper invitations, missing maires, overlaps, dates."""
    lines = compute_invitees(meeting) if lines is None else lines
    found: list[ListWarning] = []
    for line in lines:
        if not line.person.email:
            found.append(
                ListWarning(
                    "no_email",
                    f"{line.person.full_name} n'a pas d'adresse électronique : invitation papier à prévoir.",
                )
            )
    found.extend(_organiser_address(lines))
    found.extend(_missing_maires(meeting))
    found.extend(_missing_key_elus(meeting, {line.person.id for line in lines}))
    found.extend(_overlaps(meeting, {line.person.id for line in lines}))
    found.extend(date_warnings(meeting.on))
    return found


def _organiser_address(lines: list[ComputedInvitee]) -> list[ListWarning]:
    # A calendar cannot be both the organiser and an invitee: such an invitation is not emailed.
    organiser = str(current_app.config["ORGANIZER_EMAIL"]).strip().lower()
    return [
        ListWarning(
            "organiser_email",
            f"{line.person.full_name} a l'adresse de l'organisateur ({line.person.email}) : "
            "son invitation ne peut pas partir par courriel ; donnez-lui une autre adresse.",
        )
        for line in lines
        if line.person.email and line.person.email.strip().lower() == organiser
    ]


def _missing_maires(meeting: Meeting) -> list[ListWarning]:
    territory = meeting_territory(meeting)
    if not territory.communes:
        return []
    on = meeting.on
    with_maire = set(
        db.session.scalars(
            select(Mandate.commune_id).where(
                Mandate.role == Role.MAIRE,
                Mandate.commune_id.in_(territory.communes),
                valid_on(Mandate, on),
            )
        )
    )
    return [
        ListWarning("no_maire", f"Aucun maire enregistré pour la commune {french_de(name)}.")
        for commune_id, name in sorted(territory.communes.items(), key=lambda item: sort_key(item[1]))
        if commune_id not in with_maire
    ]


def _overlaps(meeting: Meeting, person_ids: set[int]) -> list[ListWarning]:
    if not person_ids:
        return []
    others = db.session.scalars(
        select(Meeting).where(
            Meeting.id != meeting.id,
            Meeting.status != MeetingStatus.ANNULEE,
            Meeting.starts_at < meeting.ends_at,
            Meeting.ends_at > meeting.starts_at,
        )
    ).all()
    found: list[ListWarning] = []
    for other in others:
        if other.is_frozen:
            other_ids = {i.person_id: i.person for i in other.invitees if i.is_current}
        else:
            other_ids = {line.person.id: line.person for line in compute_invitees(other)}
        shared = sorted(person_ids & other_ids.keys())
        if not shared:
            continue
        # One line per overlapping meeting: a duplicated Rendez-vous shares its whole list.
        when = to_paris(other.starts_at).strftime("%d/%m/%Y %H:%M")
        names = ", ".join(sorted((other_ids[pid].full_name for pid in shared), key=fold))
        count = f"{len(shared)} invité(e)s en commun" if len(shared) > 1 else "1 invité(e) en commun"
        found.append(
            ListWarning(
                "overlap",
                f"Chevauchement avec « {other.title} » ({when}, {other.status.label.lower()}) : "
                f"{count} : {names}.",
            )
        )
    return found


_DEPARTEMENTAL = (Role.CONSEILLER_DEPARTEMENTAL, Role.PRESIDENT_CONSEIL_DEPARTEMENTAL)


def _missing_key_elus(meeting: Meeting, person_ids: set[int]) -> list[ListWarning]:
    """A concertation without the président of its CC, or any list without a conseiller départemental."""
    if not person_ids:
        return []
    held = db.session.execute(
        select(Mandate.role, Mandate.intercommunality_id).where(
            Mandate.person_id.in_(person_ids),
            Mandate.role.in_((Role.PRESIDENT_EPCI, *_DEPARTEMENTAL)),
            valid_on(Mandate, meeting.on),
        )
    ).all()
    found: list[ListWarning] = []
    epci = meeting.intercommunality
    if (
        meeting.kind == MeetingKind.CONCERTATION
        and epci is not None
        and (Role.PRESIDENT_EPCI, epci.id) not in {(role, body) for role, body in held}
    ):
        found.append(ListWarning("no_president", f"Le président de {epci.name} n'est pas sur la liste."))
    if not any(role in _DEPARTEMENTAL for role, _ in held):
        found.append(ListWarning("no_departemental", "Aucun conseiller départemental n'est sur la liste."))
    return found
