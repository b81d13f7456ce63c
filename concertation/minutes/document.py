"""The compte rendu as a document: attendance, sections with their decisions, action items.

The same `MinutesDocument` feeds the page, the email, the PDF and the snapshot of each diffused version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import render_template
from markupsafe import Markup

from concertation.meetings.models import Meeting
from concertation.minutes.actions import actions_of
from concertation.minutes.attendance import attendance_lines, others, turnout
from concertation.minutes.decisions import decisions_of
from concertation.minutes.enums import AttendanceStatus
from concertation.minutes.markdown import clean_html
from concertation.minutes.models import Decision, Minutes
from concertation.notifications.emails import ORGANISER_CONTACT
from concertation.notifications.pdf import html_to_pdf


@dataclass(frozen=True)
class DocDecision:
    kind: str
    kind_label: str
    summary: str
    text: str


@dataclass(frozen=True)
class DocSection:
    title: str
    body: str
    decisions: list[DocDecision]
    # Rendered when the body was saved; cleaned again here, a cheap pass (nh3 is linear).
    body_html: str = ""

    @property
    def html(self) -> Markup:
        return Markup(clean_html(self.body_html))  # noqa: S704 - cleaned by nh3


@dataclass(frozen=True)
class DocPerson:
    name: str
    detail: str


@dataclass(frozen=True)
class DocAction:
    title: str
    owner: str
    due_on: str
    status: str


@dataclass(frozen=True)
class MinutesDocument:
    meeting_title: str
    meeting_kind: str
    scope: str
    when: str
    place: str
    version: int
    correction_reason: str
    sections: list[DocSection]
    other_decisions: list[DocDecision]
    present: list[DocPerson]
    represented: list[DocPerson]
    excused: list[DocPerson]
    guests: list[DocPerson]
    actions: list[DocAction]
    turnout: dict[str, Any] = field(default_factory=dict)

    @property
    def decisions(self) -> list[DocDecision]:
        return [d for s in self.sections for d in s.decisions] + self.other_decisions

    def as_content(self) -> dict[str, Any]:
        """A JSON-ready copy, kept with each diffused version."""
        return {
            "meeting": {"title": self.meeting_title, "kind": self.meeting_kind, "scope": self.scope},
            "when": self.when,
            "place": self.place,
            "version": self.version,
            "correction_reason": self.correction_reason,
            "sections": [
                {"title": s.title, "body": s.body, "decisions": [vars(d) for d in s.decisions]}
                for s in self.sections
            ],
            "other_decisions": [vars(d) for d in self.other_decisions],
            "present": [vars(p) for p in self.present],
            "represented": [vars(p) for p in self.represented],
            "excused": [vars(p) for p in self.excused],
            "guests": [vars(p) for p in self.guests],
            "actions": [vars(a) for a in self.actions],
            "turnout": dict(self.turnout),
        }


def _doc_decision(decision: Decision) -> DocDecision:
    return DocDecision(str(decision.kind), decision.kind.label, decision.summary, decision.text)


def _place(meeting: Meeting) -> str:
    parts = [meeting.location_name, meeting.location_address]
    if meeting.location_commune is not None:
        parts.append(meeting.location_commune.name)
    return ", ".join(p for p in parts if p)


def build_document(minutes: Minutes) -> MinutesDocument:
    """The compte rendu as it stands (a few queries, none per line)."""
    from concertation.notifications.wording import format_meeting_time

    meeting = minutes.meeting
    decisions = decisions_of(meeting, active_only=True)
    by_item: dict[int | None, list[DocDecision]] = {}
    for decision in decisions:
        by_item.setdefault(decision.agenda_item_id, []).append(_doc_decision(decision))
    sections = [
        DocSection(
            s.title,
            s.body,
            by_item.pop(s.agenda_item_id, []) if s.agenda_item_id is not None else [],
            s.body_html,
        )
        for s in minutes.sections
    ]
    leftover = [d for items in by_item.values() for d in items]
    lines = attendance_lines(meeting)

    def people(status: AttendanceStatus) -> list[DocPerson]:
        return [
            DocPerson(
                line.person.display_name,
                line.represented_by
                if status is AttendanceStatus.REPRESENTE
                else ", ".join(line.invitee.qualities),
            )
            for line in lines
            if line.status is status
        ]

    counts = turnout(meeting, lines)
    return MinutesDocument(
        meeting_title=meeting.title,
        meeting_kind=meeting.kind.label,
        scope=meeting.scope_label,
        when=format_meeting_time(meeting.starts_at, meeting.ends_at),
        place=_place(meeting),
        version=minutes.version,
        correction_reason=minutes.correction_reason,
        sections=sections,
        other_decisions=leftover,
        present=people(AttendanceStatus.PRESENT),
        represented=people(AttendanceStatus.REPRESENTE),
        excused=people(AttendanceStatus.EXCUSE),
        guests=[DocPerson(a.display_name, a.quality or a.kind.label) for a in others(meeting)],
        actions=[
            DocAction(a.title, a.owner_label, f"{a.due_on:%d/%m/%Y}", a.status.label)
            for a in actions_of(meeting)
        ],
        turnout={"invited": counts.invited, "came": counts.came, "rate": counts.rate_label},
    )


def document_html(doc: MinutesDocument) -> str:
    """The body of the compte rendu as an HTML fragment (page, email, stored version)."""
    return render_template("minutes/_document.html", doc=doc)


def document_print_html(doc: MinutesDocument) -> str:
    """The compte rendu as the HTML document that is printed."""
    return render_template("minutes/document.html", doc=doc, contact=ORGANISER_CONTACT)


def document_pdf(doc: MinutesDocument) -> bytes:
    """The printable compte rendu (attached to the diffusion email)."""
    return html_to_pdf(document_print_html(doc))
