"""The attendance sheet (feuille d'émargement): the invitee list grouped by CC and commune, as a PDF.

Each invitee appears once, under the commune where they hold a mandate in the meeting's territory
(else their CC, syndicat or canton), with every quality of the list; the Département's staff and the
guests sign on blank lines after them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from concertation.core.text import fold, sort_key
from concertation.core.timeutils import today_paris
from concertation.extensions import db
from concertation.meetings.calendar import invitee_lines
from concertation.meetings.composition import Territory, meeting_territory
from concertation.meetings.models import Meeting
from concertation.minutes.attendance import attendance_lines
from concertation.minutes.enums import AttendanceStatus
from concertation.notifications.emails import ORGANISER_CONTACT
from concertation.notifications.pdf import html_to_pdf
from concertation.people.models import ROLE_BODY, Mandate, Person, Role
from concertation.territory.models import Commune, IntercommunalityMembership

STAFF_LINES = 4
GUEST_LINES = 6
SYNDICATES = "Syndicats intercommunaux"
COUNCILLORS = "Conseillers départementaux"
OTHERS = "Autres invités"
NO_EPCI = "Communes sans communauté de communes"
# Commune mandates first, the strongest first: a maire is listed under their commune.
ROLE_ORDER = list(Role)


@dataclass(frozen=True)
class SheetRow:
    name: str
    qualities: list[str]
    # Who the invitee said would represent them (their answer), or blank for the representative to write.
    represented_by: str = ""


@dataclass
class SheetSubgroup:
    title: str
    rows: list[SheetRow] = field(default_factory=list)


@dataclass
class SheetGroup:
    title: str
    subgroups: list[SheetSubgroup] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(s.rows) for s in self.subgroups)


@dataclass(frozen=True)
class Sheet:
    groups: list[SheetGroup]
    invitee_count: int
    staff_names: list[str]
    staff_lines: int
    guest_lines: int


def _mandates(person_ids: list[int], on: date) -> dict[int, list[Mandate]]:
    rows = db.session.scalars(
        select(Mandate)
        .where(Mandate.person_id.in_(person_ids))
        .options(
            selectinload(Mandate.commune),
            selectinload(Mandate.intercommunality),
            selectinload(Mandate.canton),
            selectinload(Mandate.syndicate),
        )
    )
    found: dict[int, list[Mandate]] = defaultdict(list)
    for mandate in rows:
        if mandate.is_valid_on(on):
            found[mandate.person_id].append(mandate)
    for mandates in found.values():
        mandates.sort(key=lambda m: ROLE_ORDER.index(m.role))
    return found


def _epci_names(communes: list[Commune], on: date) -> dict[int, str]:
    """Commune id -> name of its CC on the date (one query)."""
    if not communes:
        return {}
    memberships = db.session.scalars(
        select(IntercommunalityMembership)
        .where(IntercommunalityMembership.commune_id.in_([c.id for c in communes]))
        .options(selectinload(IntercommunalityMembership.intercommunality))
    )
    return {m.commune_id: m.intercommunality.name for m in memberships if m.is_valid_on(on)}


def _place(mandates: list[Mandate], territory: Territory, epcis: dict[int, str]) -> tuple[str, str]:
    """(group, subgroup) of an invitee, from their mandates in the meeting's territory; an empty
    subgroup is the CC itself."""
    for mandate in mandates:
        commune = mandate.commune
        if ROLE_BODY[mandate.role] == "commune" and commune is not None and commune.id in territory.communes:
            return epcis.get(commune.id, NO_EPCI), commune.name
    for mandate in mandates:
        if (
            mandate.intercommunality is not None
            and mandate.intercommunality.id in territory.intercommunalities
        ):
            return mandate.intercommunality.name, ""
    for mandate in mandates:
        if mandate.syndicate is not None and mandate.syndicate.id in territory.syndicates:
            return SYNDICATES, mandate.syndicate.name
    if any(m.canton is not None and m.canton.id in territory.cantons for m in mandates):
        return COUNCILLORS, ""
    return OTHERS, ""


def _group_rank(title: str) -> tuple[int, str]:
    tail = {NO_EPCI: 1, SYNDICATES: 2, COUNCILLORS: 3, OTHERS: 4}
    return (tail.get(title, 0), fold(title))


def build_sheet(meeting: Meeting) -> Sheet:
    """The invitee list (frozen, or computed before convocation) grouped for signing."""
    representatives: dict[int, str] = {}
    if meeting.is_frozen:
        frozen = attendance_lines(meeting)
        lines = [(line.person, list(line.invitee.qualities)) for line in frozen]
        representatives = {
            line.person.id: line.represented_by
            for line in frozen
            if line.status is AttendanceStatus.REPRESENTE
        }
    else:
        lines = [(line.person, list(line.qualities)) for line in invitee_lines(meeting)]
    on = meeting.on
    mandates = _mandates([person.id for person, _ in lines], on)
    communes = [m.commune for ms in mandates.values() for m in ms if m.commune is not None]
    epcis = _epci_names(communes, on)
    territory = meeting_territory(meeting)
    placed: dict[str, dict[str, list[tuple[Person, list[str]]]]] = defaultdict(lambda: defaultdict(list))
    for person, qualities in lines:
        group, subgroup = _place(mandates.get(person.id, []), territory, epcis)
        placed[group][subgroup].append((person, qualities))
    groups = []
    for title in sorted(placed, key=_group_rank):
        subgroups = []
        for subtitle in sorted(placed[title], key=lambda s: (s != "", sort_key(s))):
            people = sorted(
                placed[title][subtitle], key=lambda pq: (fold(pq[0].last_name), fold(pq[0].first_name))
            )
            subgroups.append(
                SheetSubgroup(
                    subtitle,
                    [
                        SheetRow(person.display_name, qualities, representatives.get(person.id, ""))
                        for person, qualities in people
                    ],
                )
            )
        groups.append(SheetGroup(title, subgroups))
    organiser = meeting.organiser
    staff = [organiser.name or organiser.email] if organiser is not None else []
    return Sheet(groups, len(lines), staff, STAFF_LINES, GUEST_LINES)


def sheet_html(meeting: Meeting) -> str:
    """The attendance sheet as the HTML document that is printed."""
    return render_template(
        "minutes/sheet.html",
        meeting=meeting,
        sheet=build_sheet(meeting),
        contact=ORGANISER_CONTACT,
        today=today_paris(),
    )


def sheet_pdf(meeting: Meeting) -> bytes:
    """The printable attendance sheet of the meeting."""
    return html_to_pdf(sheet_html(meeting))
