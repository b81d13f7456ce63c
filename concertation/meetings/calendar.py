"""View helpers of the meeting pages: French dates, month grids, list filters, invitee rows and CSV."""

from __future__ import annotations

import calendar
import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from babel.dates import format_date
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import selectinload

from concertation.core.dates import format_day
from concertation.core.spreadsheets import csv_cell
from concertation.core.text import sort_key
from concertation.core.timeutils import paris_to_utc, to_paris
from concertation.extensions import db
from concertation.meetings.composition import ComputedInvitee, compute_invitees
from concertation.meetings.invitees import current_invitees
from concertation.meetings.models import (
    InviteeOverride,
    InviteeSource,
    Meeting,
    MeetingKind,
    MeetingStatus,
    OverrideAction,
)
from concertation.people.models import Person, person_order, person_sort_key
from concertation.territory.models import Commune, Intercommunality, Sector, sector_intercommunalities

LOCALE = "fr_FR"


def day_bounds_utc(first: date, last: date) -> tuple[datetime, datetime]:
    """The UTC instants from the start of `first` to the end of `last`, days as seen in Lozère."""
    start = paris_to_utc(datetime.combine(first, time()))
    end = paris_to_utc(datetime.combine(last + timedelta(days=1), time()))
    return start, end


# --- Month grid -------------------------------------------------------------------------------------


def parse_month(value: str | None, default: date) -> date:
    """The first day of the month written "2027-03"; `default`'s month when absent or malformed."""
    if value:
        try:
            year, month = (int(part) for part in value.split("-", 1))
            if 1900 <= year <= 2200 and 1 <= month <= 12:
                return date(year, month, 1)
        except ValueError:
            pass
    return default.replace(day=1)


def month_key(on: date) -> str:
    return f"{on.year:04d}-{on.month:02d}"


@dataclass
class DayCell:
    on: date
    in_month: bool
    is_today: bool
    meetings: list[Meeting] = field(default_factory=list)

    @property
    def label(self) -> str:
        return format_day(self.on)


@dataclass
class MonthGrid:
    """A month as weeks of 7 days, Monday first, with the meetings of each day."""

    first: date
    weeks: list[list[DayCell]]

    @property
    def title(self) -> str:
        return format_date(self.first, "LLLL y", locale=LOCALE).capitalize()

    @property
    def day_names(self) -> list[tuple[str, str]]:
        """(short, full) French day names, Monday first."""
        monday = self.weeks[0][0].on
        days = [monday + timedelta(days=i) for i in range(7)]
        return [(format_date(d, "EEE", locale=LOCALE), format_date(d, "EEEE", locale=LOCALE)) for d in days]

    @property
    def previous_month(self) -> str:
        return month_key((self.first - timedelta(days=1)).replace(day=1))

    @property
    def next_month(self) -> str:
        return month_key((self.first + timedelta(days=31)).replace(day=1))

    @property
    def grid_first(self) -> date:
        return self.weeks[0][0].on

    @property
    def grid_last(self) -> date:
        return self.weeks[-1][-1].on

    @property
    def count(self) -> int:
        return sum(len(cell.meetings) for week in self.weeks for cell in week if cell.in_month)


def month_grid(first: date, today: date) -> MonthGrid:
    """An empty grid of the month starting on `first`."""
    weeks = calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(first.year, first.month)
    return MonthGrid(
        first,
        [[DayCell(d, d.month == first.month, d == today) for d in week] for week in weeks],
    )


def place_meetings(grid: MonthGrid, meetings: Iterable[Meeting]) -> MonthGrid:
    """Put each meeting on the grid cell of its day in Lozère."""
    cells = {cell.on: cell for week in grid.weeks for cell in week}
    for meeting in sorted(meetings, key=lambda m: m.starts_at):
        cell = cells.get(to_paris(meeting.starts_at).date())
        if cell is not None:
            cell.meetings.append(meeting)
    return grid


# --- List filters -----------------------------------------------------------------------------------


@dataclass
class MeetingFilters:
    """The filters of the meeting list; unknown values are dropped rather than refused."""

    kind: str = ""
    town: str = ""
    siren: str = ""
    year: int | None = None
    status: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> MeetingFilters:
        kind = args.get("type", "")
        status = args.get("statut", "")
        year = args.get("annee", "")
        return cls(
            kind=kind if kind in {k.value for k in MeetingKind} else "",
            town=args.get("ville", "").strip()[:5],
            siren=args.get("cc", "").strip()[:9],
            year=int(year) if year.isascii() and year.isdigit() and 1900 <= int(year) <= 2200 else None,
            status=status if status in {s.value for s in MeetingStatus} else "",
        )

    def as_args(self) -> dict[str, str]:
        """Query-string arguments that reproduce these filters (for links that keep them)."""
        args = {"type": self.kind, "ville": self.town, "cc": self.siren, "statut": self.status}
        if self.year is not None:
            args["annee"] = str(self.year)
        return {key: value for key, value in args.items() if value}

    @property
    def is_empty(self) -> bool:
        return not self.as_args()


def _town_clause(town: str) -> ColumnElement[bool]:
    """Meetings of a town's sector: its Rendez-vous and the meetings on the sector's intercommunalities."""
    sector_ids = select(Sector.id).join(Sector.town).where(Commune.insee_code == town)
    epci_ids = select(sector_intercommunalities.c.intercommunality_id).where(
        sector_intercommunalities.c.sector_id.in_(sector_ids)
    )
    return or_(Meeting.sector_id.in_(sector_ids), Meeting.intercommunality_id.in_(epci_ids))


def meetings_statement(filters: MeetingFilters) -> Select[Meeting]:
    """The meetings matching the filters, with what the list shows loaded up front."""
    statement = select(Meeting).options(selectinload(Meeting.sector), selectinload(Meeting.intercommunality))
    if filters.kind:
        statement = statement.where(Meeting.kind == filters.kind)
    if filters.status:
        statement = statement.where(Meeting.status == filters.status)
    if filters.town:
        statement = statement.where(_town_clause(filters.town))
    if filters.siren:
        statement = statement.where(
            Meeting.intercommunality_id.in_(
                select(Intercommunality.id).where(Intercommunality.siren == filters.siren)
            )
        )
    if filters.year is not None:
        start, end = day_bounds_utc(date(filters.year, 1, 1), date(filters.year, 12, 31))
        statement = statement.where(Meeting.starts_at >= start, Meeting.starts_at < end)
    return statement


def meeting_years(today: date) -> list[int]:
    """Years offered by the year filter: those of the meetings, and this year and the next."""
    first, last = db.session.execute(select(func.min(Meeting.starts_at), func.max(Meeting.starts_at))).one()
    low = min(today.year, to_paris(first).year if first else today.year)
    high = max(today.year + 1, to_paris(last).year if last else today.year)
    return list(range(high, low - 1, -1))


# --- Invitee rows -----------------------------------------------------------------------------------


def invitee_lines(meeting: Meeting) -> list[ComputedInvitee]:
    """The list shown for a meeting: the frozen one once invitations went out, else the computed one.

    Manual additions carry the reason given by the organiser, in both cases.
    """
    if not meeting.is_frozen:
        return compute_invitees(meeting)
    reasons = {o.person_id: o.reason for o in meeting.overrides if o.action == OverrideAction.ADD}
    return [
        ComputedInvitee(
            invitee.person,
            list(invitee.qualities),
            invitee.source,
            reasons.get(invitee.person_id, ""),
        )
        for invitee in current_invitees(meeting)
    ]


def manual_removals(meeting: Meeting) -> list[InviteeOverride]:
    removals = [o for o in meeting.overrides if o.action == OverrideAction.REMOVE]
    return sorted(removals, key=lambda o: person_sort_key(o.person))


def source_label(line: ComputedInvitee) -> str:
    if line.source == InviteeSource.MANUAL:
        return f"Ajout manuel : {line.reason}" if line.reason else "Ajout manuel"
    return "Règle de composition"


CSV_HEADER = (
    "Civilité",
    "Prénom",
    "Nom",
    "Qualités",
    "Adresse électronique",
    "Envoi",
    "Adresse postale",
    "Source",
)


def invitees_csv(
    lines: Sequence[ComputedInvitee],
    extra_header: Sequence[str] = (),
    extra: Mapping[int, Sequence[str]] | None = None,
) -> bytes:
    """The invitee list as CSV for a spreadsheet: `;`-separated, UTF-8 with a BOM.

    `extra` adds columns per person id (the answers, which the invitations domain knows).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow((*CSV_HEADER, *extra_header))
    blank = [""] * len(extra_header)
    for line in lines:
        person = line.person
        writer.writerow(
            [
                csv_cell(value)
                for value in (
                    person.civility,
                    person.first_name,
                    person.last_name,
                    " ; ".join(line.qualities),
                    person.email or "",
                    "courrier papier" if person.needs_paper else "courriel",
                    person.postal_address,
                    source_label(line),
                    *(extra or {}).get(person.id, blank),
                )
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


# --- Person search ----------------------------------------------------------------------------------


def search_persons(query: str, limit: int = 20) -> list[Person]:
    """Persons whose first or last name contains every word of the query, by name."""
    words = [w for w in query.split() if w][:4]
    if not words:
        return []
    statement = select(Person)
    for word in words:
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(
            or_(Person.last_name.ilike(pattern, escape="\\"), Person.first_name.ilike(pattern, escape="\\"))
        )
    statement = statement.order_by(*person_order()).limit(limit)
    return list(db.session.scalars(statement))


# --- Rendez-vous de Territoire: one a year in each town ---------------------------------------------


def sectors() -> list[Sector]:
    return sorted(
        db.session.scalars(select(Sector).options(selectinload(Sector.town))), key=lambda s: sort_key(s.name)
    )


def rendez_vous_plan(years: Sequence[int]) -> list[tuple[Sector, dict[int, list[Meeting]]]]:
    """For each town's sector, its Rendez-vous de Territoire (not cancelled) of each year."""
    start, end = day_bounds_utc(date(min(years), 1, 1), date(max(years), 12, 31))
    found = db.session.scalars(
        select(Meeting)
        .where(
            Meeting.kind == MeetingKind.RENDEZ_VOUS,
            Meeting.status != MeetingStatus.ANNULEE,
            Meeting.starts_at >= start,
            Meeting.starts_at < end,
        )
        .order_by(Meeting.starts_at)
    ).all()
    plan: list[tuple[Sector, dict[int, list[Meeting]]]] = [
        (sector, {year: [] for year in years}) for sector in sectors()
    ]
    by_sector = {sector.id: by_year for sector, by_year in plan}
    for meeting in found:
        year = to_paris(meeting.starts_at).year
        if meeting.sector_id in by_sector and year in by_sector[meeting.sector_id]:
            by_sector[meeting.sector_id][year].append(meeting)
    return plan


def proposed_rendez_vous_year(sector: Sector, today: date) -> int:
    """The first year from this one in which the town has no Rendez-vous yet (not counting cancelled ones)."""
    taken = {
        to_paris(starts_at).year
        for starts_at in db.session.scalars(
            select(Meeting.starts_at).where(
                Meeting.kind == MeetingKind.RENDEZ_VOUS,
                Meeting.sector_id == sector.id,
                Meeting.status != MeetingStatus.ANNULEE,
                Meeting.starts_at >= paris_to_utc(datetime(today.year, 1, 1)),
            )
        )
    }
    year = today.year
    while year in taken:
        year += 1
    return year


def rendez_vous_title(sector: Sector, year: int) -> str:
    return f"Rendez-vous de Territoire de {sector.name} {year}"
