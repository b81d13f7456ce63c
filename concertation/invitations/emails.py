"""The invitation, update and cancellation emails of a meeting's invitees, each with its calendar object;
each email becomes an outbox row in the caller's transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from concertation.core.timeutils import now_utc, to_paris
from concertation.invitations.documents import document_links, documents_url
from concertation.invitations.tokens import rsvp_url
from concertation.meetings.documents import current_documents
from concertation.notifications import wording
from concertation.notifications.addresses import UnwritableAddress
from concertation.notifications.bodies import EmailTemplates
from concertation.notifications.emails import ORGANISER_CONTACT, MailContext
from concertation.notifications.feeds import person_feed_url, webcal_url
from concertation.notifications.ics import CalendarTemplate, event_from_meeting
from concertation.notifications.ics_types import AttendeeData, Method
from concertation.notifications.mime_headers import stable_message_id
from concertation.notifications.mime_writer import InvitationWriter
from concertation.notifications.models import MessageKind
from concertation.notifications.outbox import OutgoingEmail, enqueue_many

if TYPE_CHECKING:
    from concertation.invitations.models import Invitation
    from concertation.meetings.models import Meeting

_TEMPLATES = {
    MessageKind.INVITATION: "invitation",
    MessageKind.UPDATE: "update",
    MessageKind.CANCEL: "cancel",
}


def enqueue_invitation_emails(
    invitations: Sequence[Invitation],
    kind: MessageKind,
    ctx: MailContext,
    *,
    whole_meeting: bool = True,
    extra: Mapping[str, Any] | None = None,
) -> int:
    """Build the invitation, update or cancellation of each invitee and put them in the outbox.

    The invitations belong to one meeting, have their ids (flushed) and an email address. The
    rows are written in the caller's transaction with one INSERT. Returns how many were written.
    """
    if not invitations:
        return 0
    batch = _InvitationBatch(invitations[0].meeting, kind, ctx, whole_meeting=whole_meeting, extra=extra)
    enqueue_many([batch.email_for(invitation) for invitation in invitations])
    return len(invitations)


class _InvitationBatch:
    """What the emails of one meeting and kind share, computed once for the whole batch.

    The event, its calendar object but for the recipient's lines, the subject, the wording of
    the date and place, the MIME headers and the templates do not depend on the invitee; only the
    answer link, the calendar's ATTENDEE and DESCRIPTION, the greeting, the qualities, To and
    Message-ID do. DTSTAMP and Date are those of the batch, whose emails are all built at once.
    """

    def __init__(
        self,
        meeting: Meeting,
        kind: MessageKind,
        ctx: MailContext,
        *,
        whole_meeting: bool,
        extra: Mapping[str, Any] | None,
    ) -> None:
        self.meeting = meeting
        self.kind = kind
        self.ctx = ctx
        # Meetings sent before the domain was stored keep following the setting.
        self.host = meeting.calendar_uid_domain or ctx.host
        template = _TEMPLATES[kind]
        now = now_utc()
        event = event_from_meeting(
            meeting,
            host=self.host,
            organiser_name=ctx.organiser_name,
            organiser_email=ctx.organiser_email,
            rsvp_url="",
            dtstamp=now,
        )
        method = Method.CANCEL if kind is MessageKind.CANCEL else Method.REQUEST
        self.calendar = CalendarTemplate(event, method=method, whole_meeting=whole_meeting)
        self.subject = wording.subject_for(
            kind,
            meeting.title,
            wording.format_day(to_paris(meeting.starts_at).date()),
            new_time_only=bool(extra and extra.get("new_time_only")),
        )
        self.writer = InvitationWriter(
            sender=ctx.sender,
            reply_to=ctx.reply_to,
            subject=self.subject,
            method=method,
            filename="annulation.ics" if method is Method.CANCEL else "invitation.ics",
            date=now,
        )
        self.templates = EmailTemplates(template)
        self.context = {
            "meeting": meeting,
            "when": wording.format_meeting_time(meeting.starts_at, meeting.ends_at),
            "location": event.location,
            "agenda": [item.title for item in meeting.agenda_items],
            "contact": ORGANISER_CONTACT,
            "organiser_name": ctx.organiser_name,
            "organiser_email": ctx.organiser_email,
            "whole_meeting": whole_meeting,
        }
        self.extra = extra or {}
        # Linked, never attached (a dossier may weigh megabytes); the update and cancel say nothing of them.
        self.documents = current_documents(meeting.id) if kind is MessageKind.INVITATION else []

    def email_for(self, invitation: Invitation) -> OutgoingEmail:
        meeting = self.meeting
        person = invitation.person
        assert invitation.meeting_id == meeting.id, "one batch is one meeting"
        email = invitation.email
        assert email, "paper invitations are printed, not emailed"
        answer_url = rsvp_url(self.ctx, invitation.id, meeting.id)
        message_id = stable_message_id(self.kind.value, invitation.id, meeting.sequence, self.host)
        try:
            attendee = AttendeeData(name=person.full_name, email=email)
            ics = self.calendar.render(attendee, answer_url)
            raw = self._raw(invitation, email, answer_url, ics, message_id)
        except UnwritableAddress as error:
            # This invitee alone is not emailed: refused with the reason, the others go.
            return self._outgoing(invitation, email, message_id, b"", refusal=str(error))
        return self._outgoing(invitation, email, message_id, raw)

    def _raw(self, invitation: Invitation, email: str, answer_url: str, ics: bytes, message_id: str) -> bytes:
        person = invitation.person
        feed_url = person_feed_url(self.ctx.public_url, self.ctx.secret_key, invitation.person_id)
        context = {
            **self.context,
            "person": person,
            "invitation": invitation,
            "qualities": list(invitation.invitee.qualities),
            "rsvp_url": answer_url,
            "feed_url": feed_url,
            "feed_webcal_url": webcal_url(feed_url),
            "documents": document_links(self.documents, answer_url),
            "documents_url": documents_url(answer_url),
            **self.extra,
        }
        body = self.templates.render(context)
        return self.writer.to_bytes(
            to_name=person.full_name,
            to_email=email,
            text_body=body.text,
            html_body=body.html,
            ics=ics,
            message_id=message_id,
        )

    def _outgoing(
        self, invitation: Invitation, email: str, message_id: str, raw: bytes, *, refusal: str = ""
    ) -> OutgoingEmail:
        return OutgoingEmail(
            kind=self.kind,
            recipient_email=email,
            recipient_name=invitation.person.full_name,
            sender_email=self.ctx.sender_email,
            subject=self.subject,
            message_id=message_id,
            raw=raw,
            meeting_id=self.meeting.id,
            invitation_id=invitation.id,
            refusal=refusal,
        )


def build_invitation_email(invitation: Invitation, kind: MessageKind, ctx: MailContext) -> OutgoingEmail:
    """The email enqueue_invitation_emails would write for one invitation, built but not written.

    For previews: the invitation may be a transient object outside the session.
    """
    batch = _InvitationBatch(invitation.meeting, kind, ctx, whole_meeting=True, extra=None)
    return batch.email_for(invitation)
