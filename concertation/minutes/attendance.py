"""Attendance of a meeting: per invitee (prefilled from the answers), people who came uninvited, turnout.

The invitee list is the frozen one; recording attendance for a meeting never convoked freezes it first
(the meetings service does it), so that the lines stay those of the day. The caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from concertation.accounts.models import User
from concertation.core.timeutils import today_paris
from concertation.extensions import db
from concertation.invitations.models import Answer, Invitation, represented_label
from concertation.meetings import invitees as meeting_invitees
from concertation.meetings.models import Meeting, MeetingInvitee, MeetingStatus
from concertation.minutes.enums import AttendanceStatus, AttendeeKind
from concertation.minutes.exceptions import InvalidInput, NotAllowed
from concertation.minutes.models import Attendance
from concertation.people.models import Person, person_sort_key
from concertation.people.validation import InvalidPerson, normalise_email

MAX_NAME = 200
MAX_QUALITY = 300
MAX_REPRESENTATIVE = 300

# What an answer to the invitation suggests, before the organiser confirms who came.
PREFILL: dict[Answer, AttendanceStatus] = {
    Answer.PRESENT: AttendanceStatus.PRESENT,
    Answer.REPRESENTE: AttendanceStatus.REPRESENTE,
    Answer.ABSENT: AttendanceStatus.EXCUSE,
    Answer.PEUT_ETRE: AttendanceStatus.ABSENT,
    Answer.EN_ATTENTE: AttendanceStatus.ABSENT,
}


@dataclass(frozen=True)
class AttendanceLine:
    """An invitee with the attendance recorded, or the one the answer suggests (`is_recorded` False)."""

    invitee: MeetingInvitee
    status: AttendanceStatus
    represented_by: str
    is_recorded: bool
    answer: Answer | None

    @property
    def person(self) -> Person:
        return self.invitee.person

    @property
    def status_label(self) -> str:
        # Worded as the recorded attendance is (Attendance.status_label), prefilled or not.
        return represented_label(
            self.status.label, self.status is AttendanceStatus.REPRESENTE, self.represented_by
        )

    @property
    def answer_label(self) -> str:
        return self.answer.label if self.answer is not None else "Pas d'invitation"


@dataclass(frozen=True)
class Turnout:
    invited: int
    present: int
    represented: int
    excused: int
    absent: int
    others: int

    @property
    def came(self) -> int:
        return self.present + self.represented

    @property
    def rate(self) -> float | None:
        """Share of the invitees present or represented, in percent (None without invitees)."""
        return round(100 * self.came / self.invited, 1) if self.invited else None

    @property
    def rate_label(self) -> str:
        return "—" if self.rate is None else f"{self.rate:.1f} %".replace(".", ",")


def is_open(meeting: Meeting, today: date | None = None) -> bool:
    """Attendance is recorded from the meeting's day (in Lozère) on, never for a cancelled meeting."""
    return meeting.status != MeetingStatus.ANNULEE and (today or today_paris()) >= meeting.on


def _check_open(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.ANNULEE:
        raise NotAllowed("La réunion est annulée : aucune présence ne peut être enregistrée.")
    if not is_open(meeting):
        raise NotAllowed(
            "Les présences s'enregistrent à partir du jour de la réunion, "
            f"le {meeting.on:%d/%m/%Y} : elle n'a pas encore eu lieu."
        )


def current_invitees(meeting: Meeting) -> list[MeetingInvitee]:
    """The frozen list's current lines, persons loaded, by name (one query)."""
    rows = db.session.scalars(
        select(MeetingInvitee)
        .where(MeetingInvitee.meeting_id == meeting.id, MeetingInvitee.removed_at.is_(None))
        .options(selectinload(MeetingInvitee.person))
    ).all()
    return sorted(rows, key=lambda i: person_sort_key(i.person))


def _recorded(meeting: Meeting) -> list[Attendance]:
    return list(
        db.session.scalars(
            select(Attendance)
            .where(Attendance.meeting_id == meeting.id)
            .options(selectinload(Attendance.person))
            .order_by(Attendance.id)
        )
    )


def attendance_lines(meeting: Meeting) -> list[AttendanceLine]:
    """Every current invitee with their attendance, recorded or prefilled from their answer."""
    recorded = {a.invitee_id: a for a in _recorded(meeting) if a.invitee_id is not None}
    invitations = {
        i.invitee_id: i
        for i in db.session.scalars(select(Invitation).where(Invitation.meeting_id == meeting.id))
        if i.is_active
    }
    lines = []
    for invitee in current_invitees(meeting):
        invitation = invitations.get(invitee.id)
        answer = invitation.answer if invitation is not None else None
        row = recorded.get(invitee.id)
        if row is not None:
            status, represented, is_recorded = row.status, row.represented_by, True
        else:
            status = PREFILL[answer or Answer.EN_ATTENTE]
            represented = invitation.represented_by if invitation is not None else ""
            represented = represented if status is AttendanceStatus.REPRESENTE else ""
            is_recorded = False
        lines.append(AttendanceLine(invitee, status, represented, is_recorded, answer))
    return lines


def others(meeting: Meeting) -> list[Attendance]:
    """People who came without an invitation (élus, agents of the Département, partners)."""
    return [a for a in _recorded(meeting) if a.invitee_id is None]


def turnout(meeting: Meeting, lines: list[AttendanceLine] | None = None) -> Turnout:
    """Counts of the invitees by attendance (recorded or prefilled) and of the uninvited present."""
    lines = attendance_lines(meeting) if lines is None else lines
    by_status = dict.fromkeys(AttendanceStatus, 0)
    for line in lines:
        by_status[line.status] += 1
    return Turnout(
        invited=len(lines),
        present=by_status[AttendanceStatus.PRESENT],
        represented=by_status[AttendanceStatus.REPRESENTE],
        excused=by_status[AttendanceStatus.EXCUSE],
        absent=by_status[AttendanceStatus.ABSENT],
        others=len(others(meeting)),
    )


@dataclass
class AttendanceEntry:
    """The attendance of one invitee, as entered."""

    person_id: int
    status: str
    represented_by: str = ""


def _status(errors: dict[str, str], key: str, raw: str, represented_by: str) -> AttendanceStatus | None:
    try:
        status = AttendanceStatus(raw)
    except ValueError:
        choices = ", ".join(s.value for s in AttendanceStatus)
        errors[key] = f"Présence inconnue : « {raw} » ({choices})."
        return None
    if status is AttendanceStatus.REPRESENTE and not represented_by.strip():
        errors[key] = "Indiquez par qui la personne était représentée."
    elif len(represented_by) > MAX_REPRESENTATIVE:
        errors[key] = f"Le représentant dépasse {MAX_REPRESENTATIVE} caractères."
    return status


def record_attendance(
    meeting: Meeting, entries: list[AttendanceEntry], *, user: User | None = None, replace: bool = False
) -> Turnout:
    """Record the attendance of invitees (errors by `attendance.<person_id>`; nothing written on error).

    With `replace`, an invitee left out goes back to the attendance their answer suggests.
    """
    _check_open(meeting)
    if not meeting.is_frozen:
        meeting_invitees.freeze_invitees(meeting)
    invitees = {i.person_id: i for i in current_invitees(meeting)}
    errors: dict[str, str] = {}
    parsed: dict[int, tuple[AttendanceStatus, str]] = {}
    for entry in entries:
        key = f"attendance.{entry.person_id}"
        if entry.person_id not in invitees:
            errors[key] = f"La personne n° {entry.person_id} n'est pas invitée à cette réunion."
            continue
        if entry.person_id in parsed:
            errors[key] = "Cette personne figure deux fois."
            continue
        status = _status(errors, key, entry.status, entry.represented_by)
        if status is not None and key not in errors:
            represented = entry.represented_by.strip() if status is AttendanceStatus.REPRESENTE else ""
            parsed[entry.person_id] = (status, represented)
    if errors:
        raise InvalidInput(errors, "Présences non enregistrées")
    recorded = {a.invitee_id: a for a in _recorded(meeting) if a.invitee_id is not None}
    for person_id, invitee in invitees.items():
        row = recorded.get(invitee.id)
        if person_id not in parsed:
            if replace and row is not None:
                db.session.delete(row)
            continue
        status, represented = parsed[person_id]
        if row is None:
            row = Attendance(
                meeting_id=meeting.id, invitee_id=invitee.id, person_id=person_id, kind=AttendeeKind.INVITE
            )
            db.session.add(row)
        row.status = status
        row.represented_by = represented
        row.recorded_by = user
    db.session.flush()
    return turnout(meeting)


@dataclass
class OtherInput:
    """Someone who came without an invitation: a known person, or a name and a quality."""

    kind: str = AttendeeKind.PARTENAIRE.value
    person_id: int | None = None
    name: str = ""
    quality: str = ""
    email: str = ""


def _resolve_other(
    meeting: Meeting, data: OtherInput, taken: set[int]
) -> tuple[Attendance | None, dict[str, str]]:
    errors: dict[str, str] = {}
    try:
        kind = AttendeeKind(data.kind)
    except ValueError:
        kind = AttendeeKind.PARTENAIRE
        errors["kind"] = "Catégorie inconnue : elu, departement ou partenaire."
    if kind is AttendeeKind.INVITE:
        errors["kind"] = "Les invités sont enregistrés dans la liste des invités."
    person = db.session.get(Person, data.person_id) if data.person_id is not None else None
    name, quality = " ".join(data.name.split()), " ".join(data.quality.split())
    if data.person_id is not None and person is None:
        errors["person_id"] = f"Aucune personne n'a l'identifiant {data.person_id}."
    elif person is not None and person.id in taken:
        errors["person_id"] = f"{person.full_name} figure déjà dans les présences de la réunion."
    elif person is None and not name:
        errors["name"] = "Indiquez le nom de la personne."
    if len(name) > MAX_NAME:
        errors["name"] = f"Le nom dépasse {MAX_NAME} caractères."
    if len(quality) > MAX_QUALITY:
        errors["quality"] = f"La qualité dépasse {MAX_QUALITY} caractères."
    email = None
    try:
        email = normalise_email(data.email)
    except InvalidPerson as error:
        errors["email"] = str(error)
    if errors:
        return None, errors
    row = Attendance(
        meeting_id=meeting.id,
        person=person,
        kind=kind,
        name="" if person is not None else name,
        quality=quality,
        email=email if person is None else None,
        status=AttendanceStatus.PRESENT,
    )
    return row, {}


def add_other(meeting: Meeting, data: OtherInput, *, user: User | None = None) -> Attendance:
    """Record someone who came without an invitation; the caller commits."""
    _check_open(meeting)
    taken = {a.person_id for a in _recorded(meeting) if a.person_id is not None}
    taken |= {i.person_id for i in current_invitees(meeting)}
    row, errors = _resolve_other(meeting, data, taken)
    if errors or row is None:
        raise InvalidInput(errors, "Personne non ajoutée")
    row.recorded_by = user
    db.session.add(row)
    db.session.flush()
    return row


def replace_others(meeting: Meeting, entries: list[OtherInput], *, user: User | None = None) -> None:
    """Replace the uninvited attendees by `entries` (errors by `others.<index>.<field>`, 0-based)."""
    _check_open(meeting)
    invited = {i.person_id for i in current_invitees(meeting)}
    taken = set(invited)
    rows: list[Attendance] = []
    errors: dict[str, str] = {}
    for index, entry in enumerate(entries):
        row, found = _resolve_other(meeting, entry, taken)
        errors.update({f"others.{index}.{name}": message for name, message in found.items()})
        if row is not None:
            rows.append(row)
            if row.person is not None:
                taken.add(row.person.id)
    if errors:
        raise InvalidInput(errors, "Présences non enregistrées")
    for old in others(meeting):
        db.session.delete(old)
    db.session.flush()
    for row in rows:
        row.recorded_by = user
        db.session.add(row)
    db.session.flush()


def remove_other(attendance: Attendance) -> None:
    """Drop an uninvited attendee recorded by mistake; the caller commits."""
    if attendance.invitee_id is not None:
        raise NotAllowed("Un invité ne se retire pas : indiquez plutôt qu'il était absent.")
    _check_open(attendance.meeting)
    db.session.delete(attendance)
    db.session.flush()
