"""What a convocation would send, shown before the organiser confirms it; nothing is written.

The email of the first recipient is built by the very code that convoke() uses (templates, calendar
part, MIME writer) from a transient invitation that never enters the session, then read back.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage

from concertation.invitations.emails import build_invitation_email
from concertation.invitations.models import Channel, Invitation
from concertation.meetings.calendar import invitee_lines
from concertation.meetings.models import Meeting, MeetingInvitee
from concertation.notifications.emails import MailContext
from concertation.notifications.models import MessageKind


@dataclass(frozen=True)
class EmailPreview:
    to: str
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class ConvocationPreview:
    emails: int
    paper: int
    paper_names: list[str]
    first: EmailPreview | None


def read_email(raw: bytes) -> EmailPreview:
    """The recipient, subject and text and HTML bodies of a message as written to the outbox."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    return EmailPreview(
        to=str(message["To"]),
        subject=str(message["Subject"]),
        text=text.get_content() if isinstance(text, EmailMessage) else "",
        html=html.get_content() if isinstance(html, EmailMessage) else "",
    )


def convocation_preview(meeting: Meeting, ctx: MailContext) -> ConvocationPreview:
    """The counts of emails and paper letters that convoking would produce, and the first email."""
    lines = invitee_lines(meeting)
    emailed = [line for line in lines if line.person.email]
    paper = [line for line in lines if not line.person.email]
    first = None
    if emailed:
        line = emailed[0]
        # Transient objects: the invitee is not attached to the meeting's list (its back-populated
        # relationship would add it), and the invitation is never added to the session.
        invitee = MeetingInvitee(person_id=line.person.id, qualities=list(line.qualities))
        invitation = Invitation(
            id=0,
            meeting_id=meeting.id,
            person_id=line.person.id,
            channel=Channel.EMAIL,
            email=line.person.email,
            sequence_sent=meeting.sequence,
        )
        invitation.meeting = meeting
        invitation.person = line.person
        invitation.invitee = invitee
        first = read_email(build_invitation_email(invitation, MessageKind.INVITATION, ctx).raw)
    return ConvocationPreview(
        emails=len(emailed),
        paper=len(paper),
        paper_names=[line.person.full_name for line in paper],
        first=first,
    )
