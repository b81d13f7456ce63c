"""Diffusion of a validated compte rendu: one email per participant or invitee with an address, with
the text in the body and the PDF attached, written to the outbox in the caller's transaction.

The version diffused is kept as it was sent, and the decisions it carries can no longer be undone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from concertation.accounts.models import User
from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.invitations.models import Invitation
from concertation.meetings.models import Meeting
from concertation.minutes.attendance import current_invitees, others
from concertation.minutes.document import MinutesDocument, build_document, document_html, document_pdf
from concertation.minutes.enums import MinutesStatus
from concertation.minutes.exceptions import NotAllowed
from concertation.minutes.models import Decision, Minutes, MinutesVersion
from concertation.notifications.bodies import render_body
from concertation.notifications.emails import ORGANISER_CONTACT, MailContext
from concertation.notifications.mime_headers import stable_message_id
from concertation.notifications.models import MessageKind
from concertation.notifications.outbox import enqueue_email, simple_email
from concertation.notifications.wording import format_day


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str


def recipients(meeting: Meeting) -> list[Recipient]:
    """Invitees (the address of their invitation, else of their record) and uninvited participants
    with an address; each address once."""
    found: dict[str, Recipient] = {}

    def add(email: str | None, name: str) -> None:
        if email and email.strip().lower() not in found:
            found[email.strip().lower()] = Recipient(email.strip(), name)

    invitations = {
        i.invitee_id: i
        for i in db.session.scalars(
            select(Invitation)
            .where(Invitation.meeting_id == meeting.id, Invitation.cancelled_at.is_(None))
            .options(selectinload(Invitation.person))
        )
    }
    for invitee in current_invitees(meeting):
        invitation = invitations.get(invitee.id)
        add(invitation.email if invitation is not None else None, invitee.person.full_name)
        add(invitee.person.email, invitee.person.full_name)
    for attendee in others(meeting):
        add(attendee.contact_email, attendee.display_name)
    return sorted(found.values(), key=lambda r: r.email.lower())


def subject_for(doc: MinutesDocument, meeting: Meeting) -> str:
    prefix = f"Compte rendu corrigé (version {doc.version})" if doc.version > 1 else "Compte rendu"
    return f"{prefix} : {meeting.title} – {format_day(meeting.on)}"


def diffuse(
    minutes: Minutes, ctx: MailContext, *, user: User | None = None, now: datetime | None = None
) -> int:
    """valide → diffuse: queue the emails, keep the version; returns the number of emails queued."""
    if minutes.status != MinutesStatus.VALIDE:
        raise NotAllowed("Validez le compte rendu avant de le diffuser.")
    now = now or now_utc()
    meeting = minutes.meeting
    doc = build_document(minutes)
    fragment = document_html(doc)
    pdf = document_pdf(doc)
    targets = recipients(meeting)
    filename = f"compte-rendu-reunion-{meeting.id}-v{minutes.version}.pdf"
    subject = subject_for(doc, meeting)
    context = {"doc": doc, "meeting": meeting, "contact": ORGANISER_CONTACT}
    body = render_body("minutes", context)
    for index, recipient in enumerate(targets, start=1):
        message_id = stable_message_id(f"compte-rendu-{minutes.id}", index, minutes.version, ctx.host)
        email = simple_email(
            ctx,
            MessageKind.MINUTES,
            to_name=recipient.name,
            to_email=recipient.email,
            subject=subject,
            body=body,
            message_id=message_id,
            meeting_id=meeting.id,
            attachments=[(filename, "application/pdf", pdf)],
        )
        enqueue_email(email)
    minutes.versions.append(
        MinutesVersion(
            number=minutes.version,
            content=doc.as_content(),
            html=fragment,
            correction_reason=minutes.correction_reason,
            recipient_count=len(targets),
            diffused_at=now,
            diffused_by=user,
        )
    )
    for decision in db.session.scalars(
        select(Decision).where(
            Decision.meeting_id == meeting.id,
            Decision.undone_at.is_(None),
            Decision.published_version.is_(None),
        )
    ):
        decision.published_version = minutes.version
    minutes.status = MinutesStatus.DIFFUSE
    minutes.diffused_at = now
    db.session.flush()
    return len(targets)
