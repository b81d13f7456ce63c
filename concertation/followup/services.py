"""The reminders of the annual cycle, each an idempotent poll of the database at a given instant."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, datetime

from sqlalchemy import extract, select
from sqlalchemy.orm import selectinload

from concertation.contracts.enums import ContractStage
from concertation.contracts.models import Amendment, Contract
from concertation.core.timeutils import to_paris
from concertation.extensions import db
from concertation.followup.engine import (
    Clock,
    FollowupSettings,
    Reminder,
    add_months,
    days_before,
    opted_out,
    organisers,
    send,
)
from concertation.followup.models import ReminderKind
from concertation.invitations.models import Answer, Channel, Invitation
from concertation.meetings.models import Meeting, MeetingKind, MeetingStatus
from concertation.notifications.emails import MailContext
from concertation.notifications.ics import location_text
from concertation.notifications.wording import format_day, format_meeting_time
from concertation.territory.models import Sector

ACTIVE_CONTRACT_STAGES = (ContractStage.SIGNE, ContractStage.MISE_EN_OEUVRE)


def _upcoming_convoked(clock: Clock) -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.status == MeetingStatus.CONVOQUEE, Meeting.starts_at > clock.now)
            .options(selectinload(Meeting.agenda_items), selectinload(Meeting.location_commune))
        )
    )


def invitee_reminders(clock: Clock, settings: FollowupSettings, ctx: MailContext) -> Iterator[Reminder]:
    """J-7 to invitees who have not answered, J-1 to those who said they come."""
    for meeting in _upcoming_convoked(clock):
        rules = (
            (ReminderKind.UNANSWERED, settings.unanswered_days, (Answer.EN_ATTENTE,), "J-7"),
            (ReminderKind.EVE, settings.eve_days, (Answer.PRESENT,), "J-1"),
        )
        for kind, days, answers, period in rules:
            due_day = days_before(meeting.on, days)
            if not clock.due(due_day, settings) or opted_out(kind, meeting_id=meeting.id):
                continue
            invitations = db.session.scalars(
                select(Invitation)
                .where(
                    Invitation.meeting_id == meeting.id,
                    Invitation.cancelled_at.is_(None),
                    Invitation.channel == Channel.EMAIL,
                    Invitation.answer.in_(answers),
                )
                .options(selectinload(Invitation.person), selectinload(Invitation.invitee))
            )
            for invitation in invitations:
                # Someone invited after the reminder's day was already told everything by the invitation.
                if kind is ReminderKind.UNANSWERED and to_paris(invitation.created_at).date() >= due_day:
                    continue
                yield _invitee_reminder(kind, period, meeting, invitation, ctx)


def _invitee_reminder(
    kind: ReminderKind, period: str, meeting: Meeting, invitation: Invitation, ctx: MailContext
) -> Reminder:
    commune = meeting.location_commune.name if meeting.location_commune else ""
    prefix = "Rappel" if kind is ReminderKind.EVE else "Relance"
    assert invitation.email is not None
    return Reminder(
        kind=kind,
        object_type="invitation",
        object_id=invitation.id,
        period=period,
        recipient_email=invitation.email,
        recipient_name=invitation.person.full_name,
        subject=f"{prefix} : {meeting.title} – {format_day(meeting.on)}",
        template="reminder_invitee",
        context={
            "meeting": meeting,
            "person": invitation.person,
            "when": format_meeting_time(meeting.starts_at, meeting.ends_at),
            "location": location_text(meeting.location_name, meeting.location_address, commune),
            "agenda": [item.title for item in meeting.agenda_items],
            "qualities": list(invitation.invitee.qualities),
            "rsvp_url": ctx.rsvp_url(invitation.id, meeting.id),
            "reminder_kind": kind.value,
        },
        meeting_id=meeting.id,
    )


def _to_organisers(
    kind: ReminderKind,
    object_type: str,
    object_id: int,
    period: str,
    subject: str,
    lines: list[str],
    link: tuple[str, str],
    *,
    meeting_id: int | None = None,
    contract_id: int | None = None,
) -> Iterator[Reminder]:
    for user in organisers():
        yield Reminder(
            kind=kind,
            object_type=object_type,
            object_id=object_id,
            period=period,
            recipient_email=user.email,
            recipient_name=user.name or user.email,
            subject=subject,
            template="reminder_organiser",
            context={"title": subject, "lines": lines, "link_url": link[0], "link_label": link[1]},
            meeting_id=meeting_id,
            contract_id=contract_id,
        )


def annual_rendez_vous_reminders(
    clock: Clock, settings: FollowupSettings, ctx: MailContext
) -> Iterator[Reminder]:
    """From 1 March, each town without a Rendez-vous this year: a reminder, then one a week."""
    year = clock.today.year
    start = date(year, settings.annual_from_month, 1)
    if not clock.due(start, settings):
        return
    # Weekly periods start at the sending hour, so a run in the night still belongs to the day before.
    week = (clock.last_sending_day(settings) - start).days // settings.annual_every_days + 1
    scheduled = set(
        db.session.scalars(
            select(Meeting.sector_id).where(
                Meeting.kind == MeetingKind.RENDEZ_VOUS,
                Meeting.status != MeetingStatus.ANNULEE,
                Meeting.sector_id.is_not(None),
                extract("year", Meeting.starts_at) == year,
            )
        )
    )
    for sector in db.session.scalars(select(Sector).options(selectinload(Sector.town)).order_by(Sector.name)):
        if sector.id in scheduled:
            continue
        subject = f"Rendez-vous de Territoire {year} à programmer : {sector.name}"
        link = f"{ctx.public_url}/reunions/nouvelle?kind=rendez_vous&town={sector.town.insee_code}"
        lines = [
            f"Aucun Rendez-vous de Territoire n'est programmé en {year} pour le secteur de {sector.name}."
        ]
        yield from _to_organisers(
            ReminderKind.ANNUAL_RENDEZ_VOUS,
            "sector",
            sector.id,
            f"{year}-semaine-{week}",
            subject,
            lines,
            (link, "Programmer le Rendez-vous"),
        )


def _signed_on(contract: Contract) -> date | None:
    dates = [c.changed_on for c in contract.stage_changes if c.to_stage == ContractStage.SIGNE]
    return min(dates) if dates else None


def contract_reminders(clock: Clock, settings: FollowupSettings, ctx: MailContext) -> Iterator[Reminder]:
    """Anniversaries of signed contracts, 6 months before their end, avenants unsigned for 3 months."""
    contracts = db.session.scalars(
        select(Contract)
        .where(Contract.stage.in_(ACTIVE_CONTRACT_STAGES))
        .options(selectinload(Contract.stage_changes), selectinload(Contract.intercommunality))
    )
    for contract in contracts:
        link = (f"{ctx.public_url}/contrats/{contract.id}", "Ouvrir le contrat")
        name = f"{contract.title} ({contract.intercommunality.name})"
        signed_on = _signed_on(contract)
        if signed_on is not None and not opted_out(
            ReminderKind.CONTRACT_ANNIVERSARY, contract_id=contract.id
        ):
            years = clock.today.year - signed_on.year
            anniversary = add_months(signed_on, 12 * years)
            if years >= 1 and clock.due(anniversary, settings) and (clock.today - anniversary).days < 30:
                subject = f"Anniversaire du contrat : préparer le point annuel – {name}"
                lines = [f"Le contrat a été signé le {format_day(signed_on)} ; préparez le point annuel."]
                yield from _to_organisers(
                    ReminderKind.CONTRACT_ANNIVERSARY,
                    "contract",
                    contract.id,
                    str(anniversary.year),
                    subject,
                    lines,
                    link,
                    contract_id=contract.id,
                )
        notice = add_months(contract.ends_on, -settings.contract_end_notice_months)
        if (
            clock.due(notice, settings)
            and clock.today <= contract.ends_on
            and not opted_out(ReminderKind.CONTRACT_ENDING, contract_id=contract.id)
        ):
            subject = (
                f"Fin du contrat le {format_day(contract.ends_on)} : évaluation et contrat suivant – {name}"
            )
            lines = ["Préparez l'évaluation du contrat et la concertation du contrat suivant."]
            yield from _to_organisers(
                ReminderKind.CONTRACT_ENDING,
                "contract",
                contract.id,
                contract.ends_on.isoformat(),
                subject,
                lines,
                link,
                contract_id=contract.id,
            )
    amendments = db.session.scalars(
        select(Amendment)
        .join(Contract, Contract.id == Amendment.contract_id)
        .where(Amendment.signed_on.is_(None), Contract.stage.in_(ACTIVE_CONTRACT_STAGES))
        .options(selectinload(Amendment.contract))
    )
    for amendment in amendments:
        due = add_months(amendment.dated_on, settings.amendment_pending_months)
        if not clock.due(due, settings) or opted_out(
            ReminderKind.AMENDMENT_PENDING, contract_id=amendment.contract_id
        ):
            continue
        months = settings.amendment_pending_months
        subject = f"Avenant n° {amendment.number} non signé depuis {months} mois – {amendment.contract.title}"
        lines = [f"L'avenant daté du {format_day(amendment.dated_on)} n'est toujours pas signé."]
        yield from _to_organisers(
            ReminderKind.AMENDMENT_PENDING,
            "amendment",
            amendment.id,
            "attente",
            subject,
            lines,
            (f"{ctx.public_url}/contrats/{amendment.contract_id}", "Ouvrir le contrat"),
            contract_id=amendment.contract_id,
        )


ReminderSource = Callable[[Clock, FollowupSettings, MailContext], Iterator[Reminder]]
SOURCES: list[ReminderSource] = [invitee_reminders, annual_rendez_vous_reminders, contract_reminders]


def run_reminders(now: datetime, settings: FollowupSettings, ctx: MailContext) -> Counter[ReminderKind]:
    """Queue every reminder due at `now` that was never sent; the caller commits. Counts by kind."""
    clock = Clock(now)
    sent: Counter[ReminderKind] = Counter()
    for source in SOURCES:
        for reminder in list(source(clock, settings, ctx)):
            if send(reminder, ctx, now=clock.now):
                sent[reminder.kind] += 1
    return sent


def close_past_meetings(now: datetime) -> int:
    """Convoked meetings whose end has passed become held (their answer links close with them)."""
    meetings = db.session.scalars(
        select(Meeting).where(Meeting.status == MeetingStatus.CONVOQUEE, Meeting.ends_at <= now)
    ).all()
    for meeting in meetings:
        meeting.status = MeetingStatus.TENUE
    db.session.flush()
    return len(meetings)
