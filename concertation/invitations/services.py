"""Convocations and answers; updates and cancellations are in changes.py. Every email goes through the outbox.

Every function here runs inside the caller's transaction: the outbox rows are committed together
with the change that required them, and the sender delivers them afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import selectinload

from concertation.accounts import audit
from concertation.accounts.models import User
from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.invitations.documents import mark_notified
from concertation.invitations.emails import enqueue_invitation_emails
from concertation.invitations.exceptions import AnswersClosed, CannotConvoke, InvalidAnswer
from concertation.invitations.models import (
    Answer,
    AnswerEvent,
    AnswerSource,
    Channel,
    Invitation,
    LetterDue,
)
from concertation.meetings import invitees as meeting_invitees
from concertation.meetings.documents import current_documents
from concertation.meetings.models import Meeting, MeetingInvitee, MeetingStatus
from concertation.notifications.emails import MailContext
from concertation.notifications.models import DeliveryState, MessageKind, OutboxMessage
from concertation.people.models import Person, person_sort_key

ALREADY_CONVOKED = "La réunion est déjà convoquée : ses invitations sont parties."


@dataclass
class ConvocationReport:
    emails: int
    paper: int


def invitations_of(meeting: Meeting, *, active_only: bool = True) -> list[Invitation]:
    query = (
        select(Invitation)
        .where(Invitation.meeting_id == meeting.id)
        .options(selectinload(Invitation.person), selectinload(Invitation.invitee))
    )
    if active_only:
        query = query.where(Invitation.cancelled_at.is_(None))
    rows = db.session.scalars(query).all()
    return sorted(rows, key=lambda i: person_sort_key(i.person))


def reached_by(person: Person) -> tuple[Channel, str | None]:
    """An invitee with an address is emailed; one without gets a paper convocation."""
    return (Channel.EMAIL, person.email) if person.email else (Channel.PAPER, None)


def convoke(meeting: Meeting, ctx: MailContext, by: User | None = None) -> ConvocationReport:
    """Freeze the list, create one invitation per invitee and one outbox email per address."""
    if meeting.status == MeetingStatus.CONVOQUEE:
        raise CannotConvoke(ALREADY_CONVOKED)
    if meeting.status != MeetingStatus.BROUILLON:
        raise CannotConvoke(f"La réunion est « {meeting.status.label} » : elle ne peut pas être convoquée.")
    if meeting.starts_at <= now_utc():
        raise CannotConvoke("La réunion a déjà commencé : elle ne peut plus être convoquée.")
    _claim_draft(meeting)
    # An already frozen list comes back with its persons read in one query (current_invitees).
    lines = meeting_invitees.freeze_invitees(meeting)
    if not lines:
        raise CannotConvoke(
            "La liste des invités est vide : vérifiez le périmètre et les règles de composition."
        )
    invitations = _insert_invitations(meeting, lines)
    meeting.calendar_uid_domain = meeting.calendar_uid_domain or ctx.host
    emailed = by_email(invitations)
    enqueue_invitation_emails(emailed, MessageKind.INVITATION, ctx)
    # The convocation lists the current documents: they are told of (a later notice lists only the new).
    mark_notified(current_documents(meeting.id))
    meeting.status = MeetingStatus.CONVOQUEE
    db.session.flush()
    report = ConvocationReport(emails=len(emailed), paper=len(invitations) - len(emailed))
    audit.record(
        audit.AuditAction.CONVOCATION,
        meeting.journal_label,
        f"{report.emails} courriel(s), {report.paper} courrier(s) papier",
        actor=by,
    )
    return report


def _claim_draft(meeting: Meeting) -> None:
    """Move the meeting out of the draft state with the transaction's first write, or refuse.

    Two clicks on "Convoquer" arrive as concurrent requests that both read a draft. The conditional
    UPDATE takes the row's write lock (PostgreSQL) or the database's (SQLite, whose transaction begins
    at this write): the second request waits for the first to commit, then matches no row and gets a
    French message instead of a duplicate invitation (IntegrityError).
    """
    claimed = db.session.execute(
        update(Meeting)
        .where(Meeting.id == meeting.id, Meeting.status == MeetingStatus.BROUILLON)
        .values(status=MeetingStatus.CONVOQUEE)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise CannotConvoke(ALREADY_CONVOKED)


def _insert_invitations(meeting: Meeting, lines: Sequence[MeetingInvitee]) -> list[Invitation]:
    """One invitation per line, written with multi-row INSERTs ... RETURNING, in the lines' order.

    The answer links and Message-IDs need the ids. A flush per invitation cost a round trip each;
    one flush of them all still inserts row by row on SQLite, which cannot promise RETURNING in
    the order of the rows, so the rows come back matched on their (unique) invitee instead.
    """
    db.session.flush()  # the lines' own ids
    rows = []
    for line in lines:
        channel, email = reached_by(line.person)
        rows.append(
            {
                "meeting_id": meeting.id,
                "invitee_id": line.id,
                "person_id": line.person_id,
                "channel": channel,
                "email": email,
                "sequence_sent": meeting.sequence,
            }
        )
    created = db.session.scalars(insert(Invitation).returning(Invitation), rows).all()
    by_invitee = {invitation.invitee_id: invitation for invitation in created}
    return [by_invitee[line.id] for line in lines]


def by_email(invitations: Sequence[Invitation]) -> list[Invitation]:
    return [i for i in invitations if i.channel == Channel.EMAIL]


def letters_due(meeting: Meeting) -> dict[str, list[Invitation]]:
    """The paper invitees by the letter they must be sent next (convocation, modification, annulation)."""
    due: dict[str, list[Invitation]] = {kind.value: [] for kind in LetterDue}
    for invitation in invitations_of(meeting):
        if invitation.channel == Channel.PAPER:
            due[LetterDue(invitation.letter_due or "")].append(invitation)
    return due


def answers_open(meeting: Meeting, now: datetime | None = None) -> bool:
    return meeting.status == MeetingStatus.CONVOQUEE and (now or now_utc()) < meeting.ends_at


@dataclass(frozen=True)
class GivenAnswer:
    """An answer as stored: a real choice, the representative only with « Représenté », texts trimmed."""

    value: Answer
    represented_by: str
    comment: str


def checked_answer(
    meeting: Meeting,
    answer: Answer | str,
    *,
    source: AnswerSource,
    represented_by: str = "",
    comment: str = "",
) -> GivenAnswer:
    """The answer as stored if it may be recorded for the meeting, else InvalidAnswer or AnswersClosed."""
    try:
        value = Answer(answer)
    except ValueError:
        raise InvalidAnswer("Réponse inconnue.") from None
    if value is Answer.EN_ATTENTE:
        raise InvalidAnswer("Choisissez une réponse.")
    represented_by = represented_by.strip()
    if value is Answer.REPRESENTE and not represented_by:
        raise InvalidAnswer("Indiquez le nom et la qualité de la personne qui vous représente.")
    if len(represented_by) > 300 or len(comment) > 2000:
        raise InvalidAnswer(
            "Texte trop long (300 caractères pour le représentant, 2 000 pour le commentaire)."
        )
    if source is not AnswerSource.ORGANISER and not answers_open(meeting):
        raise AnswersClosed()
    return GivenAnswer(value, represented_by if value is Answer.REPRESENTE else "", comment.strip())


def record_answer(
    invitation: Invitation,
    answer: Answer | str,
    *,
    source: AnswerSource,
    represented_by: str = "",
    comment: str = "",
    at: datetime | None = None,
) -> bool:
    """Store an answer; when two arrive, the later one wins. Returns whether it was applied."""
    given = checked_answer(
        invitation.meeting, answer, source=source, represented_by=represented_by, comment=comment
    )
    at = at or now_utc()
    applied = invitation.answered_at is None or at >= invitation.answered_at
    db.session.add(
        AnswerEvent(
            invitation_id=invitation.id,
            answer=given.value,
            represented_by=given.represented_by,
            comment=given.comment,
            source=source,
            answered_at=at,
            is_applied=applied,
            note="" if applied else "Réponse plus ancienne que la réponse enregistrée",
        )
    )
    if applied:
        invitation.answer = given.value
        invitation.represented_by = given.represented_by
        invitation.comment = given.comment
        invitation.answered_at = at
        invitation.answer_source = source
    db.session.flush()
    return applied


@dataclass
class DeliveryView:
    state: DeliveryState | None
    attempts: int
    last_reply: str
    message_id: int | None
    last_code: int | None = None


def deliveries(invitations: Sequence[Invitation]) -> dict[int, DeliveryView]:
    """The latest email of each invitation and its delivery state (one query)."""
    ids = [i.id for i in invitations]
    if not ids:
        return {}
    latest = (
        select(OutboxMessage.invitation_id, func.max(OutboxMessage.id).label("last_id"))
        .where(OutboxMessage.invitation_id.in_(ids))
        .group_by(OutboxMessage.invitation_id)
        .subquery()
    )
    rows = db.session.scalars(select(OutboxMessage).join(latest, OutboxMessage.id == latest.c.last_id))
    views = {
        m.invitation_id: DeliveryView(m.state, m.attempts, m.last_reply, m.id, m.last_code)
        for m in rows
        if m.invitation_id is not None
    }
    return {i.id: views.get(i.id, DeliveryView(None, 0, "", None)) for i in invitations}


PUBLISHED = (MeetingStatus.CONVOQUEE, MeetingStatus.TENUE, MeetingStatus.ANNULEE)


def meetings_of_person(person_id: int) -> list[Meeting]:
    """The meetings a person is (still) invited to, once convoked, by date."""
    return list(
        db.session.scalars(
            select(Meeting)
            .join(Invitation, Invitation.meeting_id == Meeting.id)
            .where(
                Invitation.person_id == person_id,
                Invitation.cancelled_at.is_(None),
                Meeting.status.in_(PUBLISHED),
            )
            .order_by(Meeting.starts_at)
            .options(selectinload(Meeting.agenda_items), selectinload(Meeting.location_commune))
        )
    )


def published_meetings(*, town_insee: str | None = None, siren: str | None = None) -> list[Meeting]:
    """Convoked, held or cancelled meetings of a town's sector or of a CC, by date."""
    from concertation.territory.models import Commune, Intercommunality, Sector

    query = select(Meeting).where(Meeting.status.in_(PUBLISHED)).order_by(Meeting.starts_at)
    if town_insee is not None:
        query = query.join(Sector, Sector.id == Meeting.sector_id).join(Commune, Commune.id == Sector.town_id)
        query = query.where(Commune.insee_code == town_insee)
    if siren is not None:
        query = query.join(Intercommunality, Intercommunality.id == Meeting.intercommunality_id)
        query = query.where(Intercommunality.siren == siren)
    return list(
        db.session.scalars(
            query.options(selectinload(Meeting.agenda_items), selectinload(Meeting.location_commune))
        )
    )
