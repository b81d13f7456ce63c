"""The reminders of the annual cycle, each an idempotent poll of the database at a given instant."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta

from sqlalchemy import extract, or_, select
from sqlalchemy.orm import selectinload

from concertation.contracts.enums import ContractStage
from concertation.contracts.models import Amendment, Contract
from concertation.core.collation import french_order
from concertation.core.timeutils import to_paris
from concertation.extensions import db
from concertation.followup.engine import (
    Clock,
    FollowupSettings,
    Notice,
    Reminder,
    add_months,
    days_before,
    opted_out,
    organisers,
    send,
)
from concertation.followup.models import ReminderKind
from concertation.invitations.models import Answer, Invitation
from concertation.invitations.reminders import emailed_invitations
from concertation.invitations.tokens import rsvp_url
from concertation.meetings.models import Meeting, MeetingKind, MeetingStatus
from concertation.minutes.enums import OPEN_ACTION_STATUSES, MinutesStatus
from concertation.minutes.models import ActionItem, Minutes
from concertation.notifications.emails import ORGANISER_CONTACT, MailContext
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
            for invitation in emailed_invitations(meeting, answers):
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
            "rsvp_url": rsvp_url(ctx, invitation.id, meeting.id),
            "reminder_kind": kind.value,
        },
        meeting_id=meeting.id,
    )


def _to_organisers(notice: Notice) -> Iterator[Reminder]:
    for user in organisers():
        yield notice.to(user.email, user.name or user.email)


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
    for sector in db.session.scalars(
        select(Sector).options(selectinload(Sector.town)).order_by(french_order(Sector.name), Sector.name)
    ):
        if sector.id in scheduled:
            continue
        subject = f"Rendez-vous de Territoire {year} à programmer : {sector.name}"
        link = f"{ctx.public_url}/reunions/nouvelle?kind=rendez_vous&town={sector.town.insee_code}"
        lines = [
            f"Aucun Rendez-vous de Territoire n'est programmé en {year} pour le secteur de {sector.name}."
        ]
        yield from _to_organisers(
            Notice(
                ReminderKind.ANNUAL_RENDEZ_VOUS,
                "sector",
                sector.id,
                f"{year}-semaine-{week}",
                subject,
                lines,
                (link, "Programmer le Rendez-vous"),
            )
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
                    Notice(
                        ReminderKind.CONTRACT_ANNIVERSARY,
                        "contract",
                        contract.id,
                        str(anniversary.year),
                        subject,
                        lines,
                        link,
                        contract_id=contract.id,
                    )
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
                Notice(
                    ReminderKind.CONTRACT_ENDING,
                    "contract",
                    contract.id,
                    contract.ends_on.isoformat(),
                    subject,
                    lines,
                    link,
                    contract_id=contract.id,
                )
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
            Notice(
                ReminderKind.AMENDMENT_PENDING,
                "amendment",
                amendment.id,
                "attente",
                subject,
                lines,
                (f"{ctx.public_url}/contrats/{amendment.contract_id}", "Ouvrir le contrat"),
                contract_id=amendment.contract_id,
            )
        )


# A reminder whose day passed more than this long ago is obsolete (a deployment, a long stop).
CATCH_UP_DAYS = 30


def action_reminders(clock: Clock, settings: FollowupSettings, ctx: MailContext) -> Iterator[Reminder]:
    """Open action items: 7 days before their due date, then once overdue; to the owner's email, or to
    the organisers when the owner is a service (or a person without email)."""
    horizon = clock.today + timedelta(days=settings.action_due_days)
    items = db.session.scalars(
        select(ActionItem)
        .where(ActionItem.status.in_(OPEN_ACTION_STATUSES), ActionItem.due_on <= horizon)
        .options(selectinload(ActionItem.owner_person), selectinload(ActionItem.meeting))
        .order_by(ActionItem.due_on, ActionItem.id)
    )
    for item in items:
        if clock.due(item.due_on + timedelta(days=1), settings):
            kind, period = ReminderKind.ACTION_OVERDUE, "retard"
            subject = f"Action en retard (échéance du {format_day(item.due_on)}) : {item.title}"
        elif clock.due(days_before(item.due_on, settings.action_due_days), settings):
            kind, period = ReminderKind.ACTION_DUE, f"J-{settings.action_due_days}"
            subject = f"Action à échéance le {format_day(item.due_on)} : {item.title}"
        else:
            continue
        if opted_out(kind, meeting_id=item.meeting_id):
            continue
        subject = subject if len(subject) <= 300 else subject[:299] + "…"
        lines = [
            f"Action décidée lors de la réunion « {item.meeting.title} » du {format_day(item.meeting.on)}.",
            f"Responsable : {item.owner_label}.",
        ]
        person = item.owner_person
        owner_email = person.email if person is not None else None
        # The owner is written to with a link to the Département; a service, or a person without email,
        # leaves the reminder to the organisers, with a link to the meeting's actions.
        if owner_email:
            link = (
                f"mailto:{ORGANISER_CONTACT['email']}",
                f"Écrire au Département ({ORGANISER_CONTACT['email']})",
            )
        else:
            link = (f"{ctx.public_url}/reunions/{item.meeting_id}/decisions#actions", "Voir les actions")
        notice = Notice(kind, "action", item.id, period, subject, lines, link, meeting_id=item.meeting_id)
        if person is not None and owner_email:
            yield notice.to(owner_email, person.full_name)
        else:
            yield from _to_organisers(notice)


def minutes_draft_reminders(clock: Clock, settings: FollowupSettings, ctx: MailContext) -> Iterator[Reminder]:
    """Meetings held 10 days ago whose compte rendu is still a draft (or not started): to their
    organiser, or to every organiser."""
    days = settings.minutes_draft_days
    earliest = clock.now - timedelta(days=days + CATCH_UP_DAYS + 1)
    meetings = db.session.scalars(
        select(Meeting)
        .outerjoin(Minutes, Minutes.meeting_id == Meeting.id)
        .where(
            Meeting.status == MeetingStatus.TENUE,
            Meeting.starts_at >= earliest,
            Meeting.starts_at <= clock.now - timedelta(days=days - 1),
            or_(Minutes.id.is_(None), Minutes.status == MinutesStatus.BROUILLON),
        )
        .options(selectinload(Meeting.organiser))
        .order_by(Meeting.starts_at)
    )
    for meeting in meetings:
        due_day = meeting.on + timedelta(days=days)
        if not clock.due(due_day, settings) or (clock.today - due_day).days >= CATCH_UP_DAYS:
            continue
        if opted_out(ReminderKind.MINUTES_DRAFT, meeting_id=meeting.id):
            continue
        subject = f"Compte rendu à finaliser : {meeting.title} – {format_day(meeting.on)}"
        lines = [f"La réunion a eu lieu il y a {days} jours ; son compte rendu n'est toujours pas validé."]
        link = (f"{ctx.public_url}/reunions/{meeting.id}/compte-rendu", "Ouvrir le compte rendu")
        notice = Notice(
            ReminderKind.MINUTES_DRAFT,
            "meeting",
            meeting.id,
            f"J+{days}",
            subject,
            lines,
            link,
            meeting_id=meeting.id,
        )
        organiser = meeting.organiser
        if organiser is not None and organiser.is_enabled:
            yield notice.to(organiser.email, organiser.name or organiser.email)
        else:
            yield from _to_organisers(notice)


ReminderSource = Callable[[Clock, FollowupSettings, MailContext], Iterator[Reminder]]
SOURCES: list[ReminderSource] = [
    invitee_reminders,
    annual_rendez_vous_reminders,
    contract_reminders,
    action_reminders,
    minutes_draft_reminders,
]


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
