"""A simulated year over the Lozère demo data: each reminder goes out once, on its day, whatever happens."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import func, select

from concertation.accounts.models import User, UserRole
from concertation.contracts.enums import ContractStage
from concertation.contracts.models import Amendment, Contract, StageChange
from concertation.core.timeutils import PARIS
from concertation.demo import load_demo
from concertation.extensions import db
from concertation.followup.engine import FollowupSettings
from concertation.followup.models import ReminderKind, ReminderLog, ReminderOptOut
from concertation.followup.services import close_past_meetings, run_reminders
from concertation.invitations import services as invitations
from concertation.invitations.models import Answer, AnswerSource, Channel
from concertation.meetings.models import Meeting, MeetingStatus
from concertation.minutes.actions import ActionInput, add_action
from concertation.minutes.minutes import ensure_minutes
from concertation.notifications.emails import MailContext
from concertation.notifications.models import MessageKind, OutboxMessage
from concertation.territory.services import intercommunality_by_siren
from tests.common import db as f

SETTINGS = FollowupSettings()
YEAR = 2027
ACTION_DUE_ON = date(YEAR, 6, 30)


def _days(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


def _tick(app: Flask, now: datetime) -> None:
    run_reminders(now, SETTINGS, MailContext.from_config(app.config))
    close_past_meetings(now)
    db.session.commit()


def _counts() -> Counter[str]:
    rows = db.session.execute(select(ReminderLog.kind, func.count()).group_by(ReminderLog.kind)).all()
    return Counter(dict(rows))


class Scenario:
    """The demo élus, two organisers, a convoked concertation, a contract with an unsigned avenant."""

    def __init__(self, app: Flask, make_user: Callable[..., User]) -> None:
        load_demo()
        self.organisers = [make_user(UserRole.ORGANISATEUR), make_user(UserRole.ADMIN)]
        make_user(UserRole.LECTEUR)  # readers get no reminders
        ctx = MailContext.from_config(app.config)
        self.meeting = f.meeting("concertation", siren="244800470", starts_at=f.paris(YEAR, 3, 9, 14))
        db.session.commit()
        invitations.convoke(self.meeting, ctx)
        emailed = [i for i in invitations.invitations_of(self.meeting) if i.channel == Channel.EMAIL]
        for invitation in emailed[:3]:
            invitations.record_answer(invitation, Answer.PRESENT, source=AnswerSource.LINK)
        invitations.record_answer(emailed[3], Answer.ABSENT, source=AnswerSource.LINK)
        self.emailed = len(emailed)
        # An action item of the concertation, owned by an élu, due at the end of June; its compte rendu
        # stays a draft after the meeting.
        add_action(
            self.meeting,
            ActionInput(
                title="Transmettre la délibération",
                owner_person_id=emailed[4].person_id,
                due_on=ACTION_DUE_ON,
            ),
        )
        ensure_minutes(self.meeting)
        # Mende has its Rendez-vous planned: no annual reminder for Mende.
        f.meeting("rendez_vous", town="48095", starts_at=f.paris(YEAR, 6, 15, 10), title="RDV Mende")
        gevaudan = intercommunality_by_siren("244800470")
        assert gevaudan is not None
        contract = Contract(
            intercommunality=gevaudan,
            title="Contrat territorial du Gévaudan",
            starts_on=date(2025, 1, 1),
            ends_on=date(YEAR, 12, 31),
            stage=ContractStage.MISE_EN_OEUVRE,
            envelope=Decimal("1500000.00"),
        )
        db.session.add(contract)
        db.session.add(
            StageChange(contract=contract, to_stage=ContractStage.SIGNE, changed_on=date(2025, 6, 15))
        )
        db.session.add(Amendment(contract=contract, number=1, dated_on=date(YEAR, 2, 1), reason="Ajout"))
        db.session.commit()
        self.contract = contract


@pytest.fixture()
def scenario(app: Flask, lozere: None, make_user: Callable[..., User]) -> Scenario:
    return Scenario(app, make_user)


def _expected(scenario: Scenario, *, marvejols_scheduled_on: date | None = None) -> Counter[str]:
    organisers = len(scenario.organisers)
    march_first = date(YEAR, 3, 1)
    weeks = (date(YEAR, 12, 31) - march_first).days // 7 + 1
    annual = 4 * weeks * organisers  # five towns, Mende planned
    if marvejols_scheduled_on is not None:
        annual -= (weeks - ((marvejols_scheduled_on - march_first).days // 7 + 1)) * organisers
    return Counter(
        {
            ReminderKind.UNANSWERED.value: scenario.emailed - 4,
            ReminderKind.EVE.value: 3,
            ReminderKind.ANNUAL_RENDEZ_VOUS.value: annual,
            ReminderKind.CONTRACT_ANNIVERSARY.value: organisers,
            ReminderKind.CONTRACT_ENDING.value: organisers,
            ReminderKind.AMENDMENT_PENDING.value: organisers,
            # To the élu who owns it: 7 days before 30 June, then once overdue.
            ReminderKind.ACTION_DUE.value: 1,
            ReminderKind.ACTION_OVERDUE.value: 1,
            # The meeting has no organiser of its own: every organiser, 10 days after it took place.
            ReminderKind.MINUTES_DRAFT.value: organisers,
        }
    )


def test_a_year_of_days_sends_each_reminder_once(app: Flask, scenario: Scenario) -> None:
    for day in _days(date(YEAR, 1, 1), date(YEAR, 12, 31)):
        # Three runs a day, one of them in the night: reminders leave once, from 8:00.
        for hour in (3, 9, 18):
            _tick(app, _at(day, hour))
    assert _counts() == _expected(scenario)
    # Each reminder is an email in the outbox, and the meeting was closed after it took place.
    reminders = db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == MessageKind.REMINDER)
    )
    assert reminders == sum(_expected(scenario).values())
    assert db.session.get(Meeting, scenario.meeting.id).status == MeetingStatus.TENUE  # type: ignore[union-attr]
    # Nothing left at night: every reminder was recorded at 9:00 or later, Paris time.
    hours = {r.created_at.astimezone(PARIS).hour for r in db.session.scalars(select(ReminderLog))}
    assert hours <= {9, 18}


def test_weekly_reminder_stops_once_the_rendez_vous_is_scheduled(app: Flask, scenario: Scenario) -> None:
    scheduled_on = date(YEAR, 4, 20)
    for day in _days(date(YEAR, 2, 20), date(YEAR, 12, 31)):
        if day == scheduled_on:
            f.meeting("rendez_vous", town="48092", starts_at=f.paris(YEAR, 9, 14, 10), title="RDV Marvejols")
            db.session.commit()
        _tick(app, _at(day, 10))
    assert _counts() == _expected(scenario, marvejols_scheduled_on=scheduled_on)


def test_scheduler_stopped_then_restarted_catches_up_without_doubles(app: Flask, scenario: Scenario) -> None:
    for day in _days(date(YEAR, 1, 1), date(YEAR, 12, 31)):
        # Stopped from 28 February to 8 March: the J-7 (2 March) and the first weekly reminder are
        # caught up at restart, on 9 March morning before the meeting.
        if date(YEAR, 2, 28) <= day <= date(YEAR, 3, 8):
            continue
        _tick(app, _at(day, 9))
        _tick(app, _at(day, 9, 5))  # a restart right after a run changes nothing
    expected = _expected(scenario)
    # The week of 1 March passed entirely while stopped: its weekly reminder is obsolete, not doubled
    # with the next one (4 towns, 2 organisers). The J-7 and the J-1 of 8 March were missed and are
    # still due on 9 March: the meeting starts at 14:00.
    expected[ReminderKind.ANNUAL_RENDEZ_VOUS.value] -= 4 * len(scenario.organisers)
    assert _counts() == expected


def test_opt_out_turns_a_kind_off_for_one_meeting(app: Flask, scenario: Scenario) -> None:
    db.session.add(ReminderOptOut(kind=ReminderKind.UNANSWERED, meeting_id=scenario.meeting.id))
    db.session.commit()
    for day in _days(date(YEAR, 3, 1), date(YEAR, 3, 9)):
        _tick(app, _at(day, 9))
    counts = _counts()
    assert counts[ReminderKind.UNANSWERED.value] == 0
    assert counts[ReminderKind.EVE.value] == 3


@pytest.mark.parametrize(
    ("meeting_day", "dst_day"),
    [(date(YEAR, 11, 1), date(YEAR, 10, 31)), (date(YEAR, 3, 29), date(YEAR, 3, 28))],
    ids=["dst-ends", "dst-starts"],
)
def test_j_minus_1_on_dst_days_leaves_once_at_8_paris(
    app: Flask, lozere: None, make_user: Callable[..., User], meeting_day: date, dst_day: date
) -> None:
    f.gevaudan_elus(without_email=0)
    meeting = f.meeting(
        "concertation",
        siren="244800470",
        starts_at=f.paris(meeting_day.year, meeting_day.month, meeting_day.day, 10),
    )
    db.session.commit()
    invitations.convoke(meeting, MailContext.from_config(app.config))
    target = invitations.invitations_of(meeting)[0]
    invitations.record_answer(target, Answer.PRESENT, source=AnswerSource.LINK)
    db.session.commit()
    # Every 15 minutes, in UTC, across the DST night and the next day.
    now = datetime.combine(dst_day - timedelta(days=1), datetime.min.time(), tzinfo=PARIS)
    end = datetime.combine(meeting_day, datetime.min.time(), tzinfo=PARIS)
    while now < end:
        _tick(app, now)
        now += timedelta(minutes=15)
    eve = db.session.scalars(select(ReminderLog).where(ReminderLog.kind == ReminderKind.EVE)).all()
    assert len(eve) == 1
    sent_at = eve[0].created_at.astimezone(PARIS)
    assert sent_at.date() == dst_day and (sent_at.hour, sent_at.minute) == (8, 0)


def test_two_schedulers_at_once_send_each_reminder_once(app: Flask, scenario: Scenario) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("two scheduler processes run against PostgreSQL (set TEST_DATABASE_URL)")
    errors: list[BaseException] = []
    ctx = MailContext.from_config(app.config)

    def run(now: datetime) -> None:
        with app.app_context():
            try:
                run_reminders(now, SETTINGS, ctx)
                db.session.commit()
            except BaseException as error:  # noqa: BLE001 - reported to the test thread
                errors.append(error)
            finally:
                db.session.remove()

    for day in _days(date(YEAR, 3, 1), date(YEAR, 3, 9)):
        threads = [threading.Thread(target=run, args=(_at(day, 9),)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert not errors
    counts = _counts()
    assert counts[ReminderKind.UNANSWERED.value] == scenario.emailed - 4
    assert counts[ReminderKind.EVE.value] == 3
    outbox = db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == MessageKind.REMINDER)
    )
    assert outbox == sum(counts.values())


def test_followup_delays_come_from_the_environment() -> None:
    from dataclasses import fields

    import config
    from concertation.followup.engine import FollowupSettings

    environ = {f"FOLLOWUP_{f.name.upper()}": str(n) for n, f in enumerate(fields(FollowupSettings), 2)}
    found = config.followup_from_env({**environ, "OTHER": "x"})
    assert found == {name: int(value) for name, value in environ.items()}
    settings = FollowupSettings.from_config(found)
    assert [getattr(settings, f.name) for f in fields(FollowupSettings)] == list(found.values())
    with pytest.raises(ValueError, match="FOLLOWUP_EVE_DAYS doit être un nombre entier"):
        config.followup_from_env({"FOLLOWUP_EVE_DAYS": "deux"})
