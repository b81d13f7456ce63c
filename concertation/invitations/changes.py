"""What the invitees of a convoked meeting receive when it changes, is cancelled or its list changes.

The meetings package announces those events through its signals (handlers.py connects them); the
functions here run inside the caller's transaction and write their emails to the outbox.
"""

from __future__ import annotations

from concertation.core.timeutils import now_utc, to_paris
from concertation.extensions import db
from concertation.invitations.emails import enqueue_invitation_emails
from concertation.invitations.models import Answer, AnswerSource, Channel, Invitation, LetterDue
from concertation.invitations.services import by_email, invitations_of, reached_by
from concertation.meetings import invitees as meeting_invitees
from concertation.meetings.changes import MeetingChanges, UpdateImpact
from concertation.meetings.models import Meeting, MeetingInvitee, MeetingStatus
from concertation.notifications.emails import MailContext
from concertation.notifications.ics import location_text
from concertation.notifications.models import MessageKind
from concertation.notifications.wording import format_day, format_meeting_time, format_time


def _new_invitation(meeting: Meeting, line: MeetingInvitee) -> Invitation:
    person = line.person
    channel, email = reached_by(person)
    invitation = Invitation(
        meeting=meeting,
        invitee=line,
        person=person,
        channel=channel,
        email=email,
        sequence_sent=meeting.sequence,
    )
    db.session.add(invitation)
    return invitation


def _notifies(meeting: Meeting, changes: MeetingChanges, notify_anyway: bool) -> bool:
    return meeting.status == MeetingStatus.CONVOQUEE and (
        changes.needs_update or (notify_anyway and changes.other_changed)
    )


def update_impact(meeting: Meeting, changes: MeetingChanges, *, notify_anyway: bool) -> UpdateImpact | None:
    """What on_meeting_updated would reset and send for these changes; None when it would do nothing."""
    if not _notifies(meeting, changes, notify_anyway):
        return None
    invitations = invitations_of(meeting)
    impact = UpdateImpact(
        emails=len(by_email(invitations)), paper=len(invitations) - len(by_email(invitations))
    )
    if changes.time_changed:
        answered = [i for i in invitations if i.answer != Answer.EN_ATTENTE]
        impact.answers_reset = len(answered)
        impact.represented = sum(1 for i in answered if i.answer == Answer.REPRESENTE)
        impact.by_organiser = sum(1 for i in answered if i.answer_source == AnswerSource.ORGANISER)
    return impact


def on_meeting_updated(
    meeting: Meeting, ctx: MailContext, changes: MeetingChanges, *, notify_anyway: bool
) -> None:
    """Once convoked, a change of date, time or place sends the full event again to every invitee.

    A date or time change also resets the answers given for the old date. Invitees without email
    are listed for a "Modification" letter, which repeats what the email says.
    """
    if not _notifies(meeting, changes, notify_anyway):
        return
    meeting.sequence += 1
    phrases = _describe(meeting, changes)
    meeting.last_changes = "\n".join(phrases)
    extra = {
        "changes": phrases,
        "answers_reset": changes.time_changed,
        "new_time_only": changes.same_day and not changes.place_changed,
    }
    invitations = invitations_of(meeting)
    for invitation in invitations:
        if changes.time_changed:
            _reset_answer(invitation)
        invitation.sequence_sent = meeting.sequence
        if invitation.channel == Channel.PAPER:
            invitation.letter_due = LetterDue.MODIFICATION
    enqueue_invitation_emails(by_email(invitations), MessageKind.UPDATE, ctx, extra=extra)
    db.session.flush()


def _describe(meeting: Meeting, changes: MeetingChanges) -> list[str]:
    """What the update email and letter list, in French, with the former time when it changed."""
    phrases = []
    if changes.time_changed:
        old_start, old_end = changes.old_starts_at, changes.old_ends_at
        if changes.same_day and old_start is not None and old_end is not None:
            day = format_day(to_paris(meeting.starts_at).date())
            phrases.append(
                f"Nouvelle heure : de {format_time(meeting.starts_at)} à {format_time(meeting.ends_at)} "
                f"(au lieu de {format_time(old_start)} à {format_time(old_end)}), le {day}"
            )
        else:
            new_time = format_meeting_time(meeting.starts_at, meeting.ends_at)
            before = ""
            if old_start is not None and old_end is not None:
                old_time = format_meeting_time(old_start, old_end)
                before = f" (au lieu {'' if old_time.startswith('du ') else 'du '}{old_time})"
            phrases.append(f"Nouvelle date : {new_time}{before}")
    if changes.place_changed:
        commune = meeting.location_commune.name if meeting.location_commune else ""
        phrases.append(
            f"Nouveau lieu : {location_text(meeting.location_name, meeting.location_address, commune)}"
        )
    if changes.other_changed:
        phrases.append("L'intitulé ou l'ordre du jour a été modifié.")
    return phrases


def _reset_answer(invitation: Invitation) -> None:
    invitation.answer = Answer.EN_ATTENTE
    invitation.represented_by = ""
    invitation.answered_at = None
    invitation.answer_source = None


def on_meeting_cancelled(meeting: Meeting, ctx: MailContext, *, was_convoked: bool) -> None:
    """A CANCEL, with a higher SEQUENCE, to every current invitee of a convoked meeting.

    Invitees without email are listed for an "Annulation" letter.
    """
    if not was_convoked:
        return
    meeting.sequence += 1
    invitations = invitations_of(meeting)
    for invitation in invitations:
        invitation.sequence_sent = meeting.sequence
        if invitation.channel == Channel.PAPER:
            invitation.letter_due = LetterDue.ANNULATION
    enqueue_invitation_emails(by_email(invitations), MessageKind.CANCEL, ctx)
    db.session.flush()


def on_invitees_changed(meeting: Meeting, ctx: MailContext, applied: meeting_invitees.AppliedDiff) -> None:
    """Lines added to a convoked meeting get the current REQUEST; removed ones get a CANCEL alone."""
    if meeting.status != MeetingStatus.CONVOQUEE:
        return
    existing = {i.invitee_id: i for i in invitations_of(meeting, active_only=False)}
    if applied.removed:
        # The removed person's calendar only accepts a CANCEL with a higher SEQUENCE.
        meeting.sequence += 1
    removed: list[Invitation] = []
    for line in applied.removed:
        invitation = existing.get(line.id)
        if invitation is None or not invitation.is_active:
            continue
        invitation.cancelled_at = now_utc()
        invitation.sequence_sent = meeting.sequence
        removed.append(invitation)
    enqueue_invitation_emails(by_email(removed), MessageKind.CANCEL, ctx, whole_meeting=False)
    if any(
        existing[line.id].sequence_sent >= meeting.sequence for line in applied.added if line.id in existing
    ):
        # A re-added invitee's calendar holds our CANCEL: it only takes a REQUEST with a higher SEQUENCE.
        meeting.sequence += 1
    added: list[Invitation] = []
    for line in applied.added:
        invitation = existing.get(line.id)
        if invitation is None:
            invitation = _new_invitation(meeting, line)
        else:
            invitation.cancelled_at = None
            invitation.letter_due = LetterDue.CONVOCATION
            _reset_answer(invitation)
            invitation.channel, invitation.email = reached_by(line.person)
        invitation.sequence_sent = meeting.sequence
        added.append(invitation)
    # The new invitations need their ids for the answer links and Message-IDs.
    db.session.flush()
    enqueue_invitation_emails(by_email(added), MessageKind.INVITATION, ctx)
    db.session.flush()
