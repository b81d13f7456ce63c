"""What diffusing a compte rendu would send, shown before the organiser confirms; nothing is written."""

from __future__ import annotations

from dataclasses import dataclass

from concertation.invitations.preview import EmailPreview, read_email
from concertation.minutes.diffusion import Recipient, recipients, subject_for
from concertation.minutes.document import build_document
from concertation.minutes.models import Minutes
from concertation.notifications.bodies import render_body
from concertation.notifications.emails import ORGANISER_CONTACT, MailContext
from concertation.notifications.mime import as_bytes, build_simple_message
from concertation.notifications.mime_headers import stable_message_id


@dataclass(frozen=True)
class DiffusionPreview:
    recipients: list[Recipient]
    first: EmailPreview | None


def diffusion_preview(minutes: Minutes, ctx: MailContext) -> DiffusionPreview:
    """The recipients of the diffusion and the email of the first one, from the same templates.

    The PDF attachment is left out: it is the document shown on the compte rendu page.
    """
    meeting = minutes.meeting
    targets = recipients(meeting)
    if not targets:
        return DiffusionPreview(targets, None)
    doc = build_document(minutes)
    context = {"doc": doc, "meeting": meeting, "contact": ORGANISER_CONTACT}
    body = render_body("minutes", context)
    message = build_simple_message(
        sender=ctx.sender_email,
        reply_to=ctx.organiser_email,
        to_name=targets[0].name,
        to_email=targets[0].email,
        subject=subject_for(doc, meeting),
        text_body=body.text,
        html_body=body.html,
        message_id=stable_message_id(f"apercu-compte-rendu-{minutes.id}", 0, minutes.version, ctx.host),
    )
    return DiffusionPreview(targets, read_email(as_bytes(message)))
