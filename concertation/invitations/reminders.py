"""The organiser's view of the answers, and "Relancer les sans-réponse", sent once per click.

The relance runs in the caller's transaction like every email: one outbox row per invitee with an
address who has not answered, written with the InvitationReminder row that makes the click unique.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from concertation.accounts import audit
from concertation.accounts.audit import AuditAction
from concertation.accounts.models import User
from concertation.extensions import db
from concertation.invitations.exceptions import InvitationError
from concertation.invitations.models import Answer, Channel, Invitation, InvitationReminder
from concertation.invitations.services import answers_open
from concertation.invitations.tokens import rsvp_url
from concertation.meetings.models import Meeting, MeetingStatus
from concertation.notifications.bodies import EmailTemplates
from concertation.notifications.emails import ORGANISER_CONTACT, MailContext
from concertation.notifications.feeds import person_feed_url, webcal_url
from concertation.notifications.ics import location_text
from concertation.notifications.mime_headers import stable_message_id
from concertation.notifications.models import MessageKind
from concertation.notifications.outbox import OutgoingEmail, enqueue_many, simple_email
from concertation.notifications.wording import format_day, format_meeting_time

PAPER_FILTER = "papier"
#: The filters of the invitations page, in the order of the counts: query value -> label.
FILTERS: dict[str, str] = {
    Answer.PRESENT.value: "Présents",
    Answer.REPRESENTE.value: "Représentés",
    Answer.ABSENT.value: "Absents",
    Answer.PEUT_ETRE.value: "Peut-être",
    Answer.EN_ATTENTE.value: "Sans réponse",
    PAPER_FILTER: "Courrier papier",
}


def meeting_email_context(meeting: Meeting) -> dict[str, Any]:
    """What the emails sent besides the invitation (reminders, document notices) say of the meeting."""
    commune = meeting.location_commune.name if meeting.location_commune else ""
    return {
        "meeting": meeting,
        "when": format_meeting_time(meeting.starts_at, meeting.ends_at),
        "location": location_text(meeting.location_name, meeting.location_address, commune),
        "agenda": [item.title for item in meeting.agenda_items],
        "contact": ORGANISER_CONTACT,
    }


class CannotRemind(InvitationError):
    """The relance cannot be sent (meeting not convoked, already held, nobody to remind...)."""


class ReminderAlreadySent(InvitationError):
    def __init__(self) -> None:
        super().__init__("Cette relance a déjà été envoyée : rien n'est renvoyé.")


def new_reminder_token() -> str:
    """The token of one relance form, drawn each time the page is shown."""
    return secrets.token_urlsafe(24)


def answer_counts(invitations: Sequence[Invitation]) -> dict[str, int]:
    """How many current invitations fall in each filter (an invitation can be both paper and an answer)."""
    counts = dict.fromkeys(FILTERS, 0)
    for invitation in invitations:
        if not invitation.is_active:
            continue
        counts[invitation.answer.value] += 1
        if invitation.channel == Channel.PAPER:
            counts[PAPER_FILTER] += 1
    return counts


def filtered(invitations: Sequence[Invitation], value: str | None) -> list[Invitation]:
    """The invitations of one filter (current ones only); all of them for no or an unknown filter."""
    if not value or value not in FILTERS:
        return list(invitations)
    if value == PAPER_FILTER:
        return [i for i in invitations if i.is_active and i.channel == Channel.PAPER]
    return [i for i in invitations if i.is_active and i.answer == value]


def emailed_invitations(meeting: Meeting, answers: Collection[Answer]) -> list[Invitation]:
    """The meeting's current invitations by email, with an address and one of `answers`, in the order
    they were made; their persons and invitee lines loaded (relances, reminders)."""
    return list(
        db.session.scalars(
            select(Invitation)
            .where(
                Invitation.meeting_id == meeting.id,
                Invitation.cancelled_at.is_(None),
                Invitation.channel == Channel.EMAIL,
                Invitation.email.is_not(None),
                Invitation.answer.in_(answers),
            )
            .order_by(Invitation.id)
            .options(selectinload(Invitation.person), selectinload(Invitation.invitee))
        )
    )


def send_reminders(meeting: Meeting, ctx: MailContext, token: str, *, by: User | None = None) -> int:
    """One relance email to each current invitee with an address and no answer; returns how many.

    The same token twice raises ReminderAlreadySent; the caller then rolls back, and nothing more is
    queued. Two simultaneous submits meet on the unique token: the second waits and fails.
    """
    if not token or len(token) > 64:
        raise CannotRemind("Formulaire de relance expiré : rechargez la page.")
    if meeting.status != MeetingStatus.CONVOQUEE or not answers_open(meeting):
        raise CannotRemind("Seule une réunion convoquée et à venir peut être relancée.")
    if db.session.scalar(select(InvitationReminder.id).where(InvitationReminder.token == token)):
        raise ReminderAlreadySent()
    targets = emailed_invitations(meeting, (Answer.EN_ATTENTE,))
    if not targets:
        raise CannotRemind("Aucun invité avec une adresse électronique n'est sans réponse.")
    reminder = InvitationReminder(
        meeting_id=meeting.id, token=token, email_count=len(targets), created_by_id=by.id if by else None
    )
    db.session.add(reminder)
    try:
        db.session.flush()
    except IntegrityError:
        raise ReminderAlreadySent() from None
    enqueue_many(MeetingEmailBatch(meeting, ctx, f"relance-{reminder.id}").emails(targets))
    audit.record(AuditAction.REMINDER, meeting.journal_label, f"{len(targets)} courriel(s)", actor=by)
    return len(targets)


class MeetingEmailBatch:
    """The emails of one meeting to its invitees besides the invitation (a relance, a documents notice):
    the subject, the templates and the meeting's context are built once; only the greeting, the links and
    the To differ. `key` makes the Message-IDs (one per click, so that a second click is a new message)."""

    kind = MessageKind.REMINDER
    template = "relance"
    subject_prefix = "Relance"

    def __init__(self, meeting: Meeting, ctx: MailContext, key: str) -> None:
        self.meeting = meeting
        self.ctx = ctx
        self.key = key
        self.subject = f"{self.subject_prefix} : {meeting.title} – {format_day(meeting.on)}"
        self.templates = EmailTemplates(self.template)
        self.context: dict[str, Any] = meeting_email_context(meeting)

    def emails(self, invitations: Sequence[Invitation]) -> list[OutgoingEmail]:
        return [self._email(invitation) for invitation in invitations]

    def personal(self, invitation: Invitation, answer_url: str) -> dict[str, Any]:
        """What this kind of email says to one invitee, beside the person and the answer link."""
        feed_url = person_feed_url(self.ctx.public_url, self.ctx.secret_key, invitation.person_id)
        return {
            "qualities": list(invitation.invitee.qualities),
            "feed_url": feed_url,
            "feed_webcal_url": webcal_url(feed_url),
        }

    def _email(self, invitation: Invitation) -> OutgoingEmail:
        assert invitation.email, "paper invitations are not emailed"
        answer_url = rsvp_url(self.ctx, invitation.id, self.meeting.id)
        context = {
            **self.context,
            "person": invitation.person,
            "rsvp_url": answer_url,
            **self.personal(invitation, answer_url),
        }
        message_id = stable_message_id(
            self.key, invitation.id, self.meeting.sequence, self.meeting.calendar_uid_domain or self.ctx.host
        )
        return simple_email(
            self.ctx,
            self.kind,
            to_name=invitation.person.full_name,
            to_email=invitation.email,
            subject=self.subject,
            body=self.templates.render(context),
            message_id=message_id,
            meeting_id=self.meeting.id,
            invitation_id=invitation.id,
        )
