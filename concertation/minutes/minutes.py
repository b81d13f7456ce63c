"""The compte rendu: one section per agenda item plus free sections, brouillon → valide → diffuse.

A diffused compte rendu is read-only; a correction opens version N+1 as a draft, while each diffused
version stays as it was sent (`MinutesVersion`). Diffusion itself is in `diffusion.py`. The caller
commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from concertation.accounts.models import User
from concertation.core.numbers import format_number
from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.meetings.models import Meeting, MeetingStatus
from concertation.minutes.enums import MinutesStatus
from concertation.minutes.exceptions import InvalidInput, MinutesLocked, NotAllowed
from concertation.minutes.markdown import MAX_MARKDOWN, render_texts
from concertation.minutes.models import Minutes, MinutesSection

MAX_TITLE = 300
MAX_SECTIONS = 60
MAX_REASON = 2000


def minutes_of(meeting: Meeting) -> Minutes | None:
    """The meeting's minutes with their sections and versions loaded, if any were started."""
    return db.session.scalar(
        select(Minutes)
        .where(Minutes.meeting_id == meeting.id)
        .options(selectinload(Minutes.sections), selectinload(Minutes.versions))
    )


def _sync_agenda(minutes: Minutes, meeting: Meeting) -> None:
    """A draft gets a section for every agenda item that has none (the agenda may have changed)."""
    covered = {s.agenda_item_id for s in minutes.sections}
    position = max((s.position for s in minutes.sections), default=0)
    for item in meeting.agenda_items:
        if item.id not in covered:
            position += 1
            minutes.sections.append(
                MinutesSection(position=position, agenda_item_id=item.id, title=item.title)
            )


def ensure_minutes(meeting: Meeting) -> Minutes:
    """The meeting's minutes, started with one empty section per agenda item if needed."""
    if meeting.status == MeetingStatus.ANNULEE:
        raise NotAllowed("La réunion est annulée : elle n'a pas de compte rendu.")
    minutes = minutes_of(meeting)
    if minutes is None:
        minutes = Minutes(meeting_id=meeting.id, status=MinutesStatus.BROUILLON, version=1)
        db.session.add(minutes)
    if minutes.is_draft:
        _sync_agenda(minutes, meeting)
    db.session.flush()
    return minutes


def check_draft(minutes: Minutes) -> None:
    if not minutes.is_draft:
        raise MinutesLocked(minutes.status.label)


@dataclass
class SectionInput:
    """A section as entered: an agenda item's (`agenda_item_id`) or a free one (`title` required)."""

    body: str = ""
    title: str = ""
    agenda_item_id: int | None = None
    section_id: int | None = None


def _set_bodies(changes: list[tuple[MinutesSection, str]]) -> list[str]:
    """Store each body with its HTML, rendered now (one child process for all of them); the titles of the
    sections whose Markdown was too costly to render and that show as typed."""
    changes = [(section, body.replace("\r\n", "\n")) for section, body in changes]
    plain = []
    for (section, body), rendered in zip(changes, render_texts([b for _, b in changes]), strict=True):
        section.body = body
        section.body_html = str(rendered.html)
        if rendered.is_plain:
            plain.append(section.title)
    return plain


def _check_section(errors: dict[str, str], key: str, data: SectionInput, *, free: bool) -> None:
    if len(data.body) > MAX_MARKDOWN:
        errors[f"{key}.body"] = f"Le texte dépasse {format_number(MAX_MARKDOWN)} caractères."
    title = " ".join(data.title.split())
    if free and not title:
        errors[f"{key}.title"] = "Une section libre a un titre."
    elif len(title) > MAX_TITLE:
        errors[f"{key}.title"] = f"Le titre dépasse {format_number(MAX_TITLE)} caractères."


def update_sections(minutes: Minutes, sections: list[SectionInput]) -> list[str]:
    """Change the text (and a free section's title) of the sections named by `section_id`.

    Returns the titles of the sections shown as typed, their Markdown being too costly to render."""
    check_draft(minutes)
    by_id = {s.id: s for s in minutes.sections}
    errors: dict[str, str] = {}
    for data in sections:
        key = f"sections.{data.section_id}"
        section = by_id.get(data.section_id) if data.section_id is not None else None
        if section is None:
            errors[key] = "Section inconnue : rechargez la page."
            continue
        _check_section(errors, key, data, free=section.is_free)
    if errors:
        raise InvalidInput(errors, "Compte rendu non enregistré")
    changes = []
    for data in sections:
        section = by_id[data.section_id] if data.section_id is not None else None
        assert section is not None
        if section.is_free:
            section.title = " ".join(data.title.split())
        if data.body.replace("\r\n", "\n") != section.body or not section.body_html:
            changes.append((section, data.body))
    plain = _set_bodies(changes)
    db.session.flush()
    return plain


def replace_sections(minutes: Minutes, sections: list[SectionInput]) -> None:
    """Set every section in the given order (the API's PUT); errors by `sections.<index>` (0-based).

    An agenda item's section is named by its `agenda_item_id`; one left out comes last, empty.
    """
    check_draft(minutes)
    meeting = minutes.meeting
    items = {item.id: item for item in meeting.agenda_items}
    errors: dict[str, str] = {}
    seen: set[int] = set()
    if len(sections) > MAX_SECTIONS:
        errors["sections"] = f"{MAX_SECTIONS} sections au plus."
    for index, data in enumerate(sections):
        key = f"sections.{index}"
        if data.agenda_item_id is not None:
            if data.agenda_item_id not in items:
                errors[f"{key}.agenda_item_id"] = "Ce point n'est pas à l'ordre du jour de la réunion."
            elif data.agenda_item_id in seen:
                errors[f"{key}.agenda_item_id"] = "Ce point de l'ordre du jour a déjà sa section."
            seen.add(data.agenda_item_id)
        _check_section(errors, key, data, free=data.agenda_item_id is None)
    if errors:
        raise InvalidInput(errors, "Compte rendu non enregistré")
    minutes.sections.clear()
    db.session.flush()
    changes = []
    for position, data in enumerate(sections, start=1):
        item = items.get(data.agenda_item_id) if data.agenda_item_id is not None else None
        section = MinutesSection(
            position=position,
            agenda_item_id=item.id if item is not None else None,
            title=item.title if item is not None else " ".join(data.title.split()),
        )
        minutes.sections.append(section)
        changes.append((section, data.body))
    _set_bodies(changes)
    _sync_agenda(minutes, meeting)
    db.session.flush()


def add_free_section(minutes: Minutes, title: str, body: str = "") -> MinutesSection:
    """A section outside the agenda (questions diverses, tour de table...), placed last."""
    check_draft(minutes)
    errors: dict[str, str] = {}
    _check_section(errors, "section", SectionInput(body=body, title=title), free=True)
    if len(minutes.sections) >= MAX_SECTIONS:
        errors["section.title"] = f"{MAX_SECTIONS} sections au plus."
    if errors:
        raise InvalidInput({k.removeprefix("section."): v for k, v in errors.items()}, "Section non ajoutée")
    section = MinutesSection(
        position=max((s.position for s in minutes.sections), default=0) + 1, title=" ".join(title.split())
    )
    _set_bodies([(section, body)])
    minutes.sections.append(section)
    db.session.flush()
    return section


def remove_free_section(section: MinutesSection) -> None:
    minutes = section.minutes
    check_draft(minutes)
    if not section.is_free:
        raise NotAllowed("La section d'un point de l'ordre du jour ne se supprime pas : laissez-la vide.")
    minutes.sections.remove(section)
    db.session.flush()


def validate_minutes(minutes: Minutes, *, user: User | None = None, now: datetime | None = None) -> None:
    """brouillon → valide: the text is approved and ready to be diffused."""
    check_draft(minutes)
    now = now or now_utc()
    if minutes.meeting.starts_at > now:
        raise NotAllowed("La réunion n'a pas encore eu lieu : son compte rendu ne peut pas être validé.")
    if not any(s.body.strip() for s in minutes.sections):
        raise NotAllowed("Le compte rendu est vide : rédigez au moins une section avant de le valider.")
    minutes.status = MinutesStatus.VALIDE
    minutes.validated_at = now
    minutes.validated_by = user
    db.session.flush()


def reopen_draft(minutes: Minutes) -> None:
    """valide → brouillon, before diffusion."""
    if minutes.status != MinutesStatus.VALIDE:
        raise NotAllowed("Seul un compte rendu validé, pas encore diffusé, repasse en brouillon.")
    minutes.status = MinutesStatus.BROUILLON
    minutes.validated_at = None
    minutes.validated_by = None
    _sync_agenda(minutes, minutes.meeting)
    db.session.flush()


def open_correction(minutes: Minutes, reason: str) -> None:
    """diffuse → brouillon of version N+1; the diffused version stays as it was sent."""
    if minutes.status != MinutesStatus.DIFFUSE:
        raise NotAllowed("Seul un compte rendu diffusé se corrige par une nouvelle version.")
    reason = reason.strip()
    if not reason:
        raise InvalidInput({"reason": "Indiquez l'objet de la correction."}, "Correction refusée")
    if len(reason) > MAX_REASON:
        raise InvalidInput({"reason": f"{MAX_REASON} caractères au plus."}, "Correction refusée")
    minutes.version += 1
    minutes.correction_reason = reason
    minutes.status = MinutesStatus.BROUILLON
    minutes.validated_at = None
    minutes.validated_by = None
    _sync_agenda(minutes, minutes.meeting)
    db.session.flush()
