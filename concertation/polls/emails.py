"""The poll's emails: the personal poll link, then the slot chosen. Text and HTML, never a calendar part."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from concertation.core.dates import format_day
from concertation.core.timeutils import to_paris
from concertation.notifications.bodies import EmailTemplates
from concertation.notifications.emails import ORGANISER_CONTACT, MailContext
from concertation.notifications.mime_headers import stable_message_id
from concertation.notifications.models import MessageKind
from concertation.notifications.outbox import OutgoingEmail, simple_email
from concertation.polls.models import Poll, PollRecipient, PollSlot
from concertation.polls.tokens import poll_url
from concertation.polls.wording import slot_day, slot_holiday, slot_label


def deadline_label(poll: Poll) -> str:
    if poll.deadline is None:
        return ""
    local = to_paris(poll.deadline)
    clock = f"{local.hour} h" if local.minute == 0 else f"{local.hour} h {local.minute:02d}"
    return f"{format_day(local.date())} à {clock}"


def slot_lines(poll: Poll) -> list[dict[str, Any]]:
    """Each slot as the emails and pages show it: its number, French label and public holiday, if any."""
    return [
        {
            "slot": slot,
            "number": slot.position + 1,
            "label": slot_label(slot.starts_at, slot.ends_at),
            "holiday": slot_holiday(slot.starts_at),
        }
        for slot in poll.slots
    ]


def _host(poll: Poll, ctx: MailContext) -> str:
    return poll.meeting.calendar_uid_domain or ctx.host


def batch_emails(
    ctx: MailContext,
    kind: MessageKind,
    recipients: Sequence[PollRecipient],
    subject: str,
    template: str,
    context: Callable[[PollRecipient], dict[str, Any]],
    *,
    key: str = "",
) -> list[OutgoingEmail]:
    """One email per recipient of one poll, from emails/<template>.txt and .html loaded once; `key` names
    the Message-IDs (the template's name by default), stable so that a retry is the same message."""
    templates = EmailTemplates(template)
    key = key or template.replace("_", "-")
    return [
        simple_email(
            ctx,
            kind,
            to_name=recipient.person.full_name,
            to_email=recipient.email,
            subject=subject,
            body=templates.render(context(recipient)),
            message_id=stable_message_id(key, recipient.id, 0, _host(recipient.poll, ctx)),
            meeting_id=recipient.poll.meeting_id,
        )
        for recipient in recipients
    ]


def poll_context(poll: Poll) -> dict[str, Any]:
    """What every poll email says of its poll; the preview page renders the email from it as well."""
    return {
        "meeting": poll.meeting,
        "poll": poll,
        "slots": slot_lines(poll),
        "message": poll.message,
        "deadline": deadline_label(poll),
        "contact": ORGANISER_CONTACT,
    }


def poll_emails(poll: Poll, recipients: Sequence[PollRecipient], ctx: MailContext) -> list[OutgoingEmail]:
    """One email per recipient with an address, with their personal poll link."""
    common = poll_context(poll)
    return batch_emails(
        ctx,
        MessageKind.POLL,
        recipients,
        f"Sondage de dates : {poll.meeting.title}",
        "poll",
        lambda recipient: {
            **common,
            "person": recipient.person,
            "qualities": recipient.qualities,
            "poll_url": poll_url(ctx, recipient.id, poll.id),
        },
    )


def result_emails(
    poll: Poll, slot: PollSlot, recipients: Sequence[PollRecipient], ctx: MailContext
) -> list[OutgoingEmail]:
    """One email per polled recipient with an address: the slot chosen; the convocation follows."""
    common = {**poll_context(poll), "chosen": slot_label(slot.starts_at, slot.ends_at)}
    return batch_emails(
        ctx,
        MessageKind.POLL_RESULT,
        recipients,
        f"Date retenue : {poll.meeting.title} – {format_day(slot_day(slot.starts_at))}",
        "poll_result",
        lambda recipient: {**common, "person": recipient.person, "qualities": recipient.qualities},
    )
