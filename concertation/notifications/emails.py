"""Builders of the emails about meetings; each email becomes an outbox row in the caller's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import render_template

from concertation.core.timeutils import now_utc, to_paris
from concertation.invitations.tokens import make_token
from concertation.notifications import wording
from concertation.notifications.ics import AttendeeData, Method, event_from_meeting, meeting_to_ical
from concertation.notifications.mime import as_bytes, build_invitation_message, stable_message_id
from concertation.notifications.models import MessageKind, OutboxMessage
from concertation.notifications.outbox import enqueue

if TYPE_CHECKING:
    from concertation.invitations.models import Invitation

ORGANISER_CONTACT = {
    "service": "Direction de l'Aménagement du Territoire et de l'Économie",
    "phone": "04 66 49 66 50",
    "email": "economie@lozere.fr",
    "address": "Hôtel du Département, 4 rue de la Rovère, BP 24, 48001 Mende Cedex",
}


@dataclass(frozen=True)
class MailContext:
    """What building an email needs from the configuration (no Flask request involved)."""

    public_url: str
    host: str
    sender_email: str
    organizer_name: str
    organizer_email: str
    secret_key: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailContext:
        public_url = str(config["PUBLIC_URL"]).rstrip("/")
        return cls(
            public_url=public_url,
            host=str(config.get("MAIL_HOST") or urlsplit(public_url).hostname or "concertation.lozere.fr"),
            sender_email=str(config["MAIL_DEFAULT_SENDER"]),
            organizer_name=str(config["ORGANIZER_NAME"]),
            organizer_email=str(config["ORGANIZER_EMAIL"]),
            secret_key=str(config["SECRET_KEY"]),
        )

    def rsvp_url(self, invitation_id: int, meeting_id: int) -> str:
        return f"{self.public_url}/r/{make_token(self.secret_key, invitation_id, meeting_id)}"


# Outbox kind -> (template, wording kind); a CANCEL to one removed invitee is worded differently.
_TEMPLATES = {
    MessageKind.INVITATION: ("invitation", wording.MessageKind.INVITATION),
    MessageKind.UPDATE: ("update", wording.MessageKind.UPDATE),
    MessageKind.CANCEL: ("cancel", wording.MessageKind.CANCELLATION),
}


def enqueue_invitation_email(
    invitation: Invitation,
    kind: MessageKind,
    ctx: MailContext,
    *,
    whole_meeting: bool = True,
    extra: Mapping[str, Any] | None = None,
) -> OutboxMessage:
    """Build the invitation, update or cancellation of one invitee and put it in the outbox."""
    meeting = invitation.meeting
    person = invitation.person
    assert invitation.email, "paper invitations are printed, not emailed"
    template, wording_kind = _TEMPLATES[kind]
    if kind is MessageKind.CANCEL and not whole_meeting:
        wording_kind = wording.MessageKind.REMOVAL
    rsvp_url = ctx.rsvp_url(invitation.id, meeting.id)
    event = event_from_meeting(
        meeting,
        host=ctx.host,
        organizer_name=ctx.organizer_name,
        organizer_email=ctx.organizer_email,
        rsvp_url=rsvp_url,
        dtstamp=now_utc(),
    )
    method = Method.CANCEL if kind is MessageKind.CANCEL else Method.REQUEST
    ics = meeting_to_ical(
        event,
        AttendeeData(name=person.full_name, email=invitation.email),
        method=method,
        whole_meeting=whole_meeting,
    )
    when = wording.format_meeting_time(meeting.starts_at, meeting.ends_at)
    context = {
        "meeting": meeting,
        "person": person,
        "invitation": invitation,
        "when": when,
        "location": event.location,
        "agenda": [item.title for item in meeting.agenda_items],
        "qualities": list(invitation.invitee.qualities),
        "rsvp_url": rsvp_url,
        "contact": ORGANISER_CONTACT,
        "organizer_name": ctx.organizer_name,
        "organizer_email": ctx.organizer_email,
        "kind": wording_kind.value,
        "whole_meeting": whole_meeting,
        **(extra or {}),
    }
    subject = wording.subject_for(
        wording_kind, meeting.title, wording.format_day(to_paris(meeting.starts_at).date())
    )
    message_id = stable_message_id(kind.value, invitation.id, meeting.sequence, ctx.host)
    message = build_invitation_message(
        sender=ctx.sender_email,
        reply_to=ctx.organizer_email,
        to_name=person.full_name,
        to_email=invitation.email,
        subject=subject,
        text_body=render_template(f"emails/{template}.txt", **context),
        html_body=render_template(f"emails/{template}.html", **context),
        ics=ics,
        method=method,
        message_id=message_id,
        filename="annulation.ics" if method is Method.CANCEL else "invitation.ics",
    )
    return enqueue(
        kind=kind,
        recipient_email=invitation.email,
        recipient_name=person.full_name,
        sender_email=ctx.sender_email,
        subject=subject,
        message_id=message_id,
        raw=as_bytes(message),
        meeting_id=meeting.id,
        invitation_id=invitation.id,
    )
