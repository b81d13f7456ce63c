"""The poll's jobs: closing at the deadline, and one reminder two days before it to the silent."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from concertation.extensions import db
from concertation.followup.jobs import job_named
from concertation.notifications.emails import MailContext
from concertation.notifications.models import MessageKind, OutboxMessage
from concertation.polls.models import Poll, PollChoice
from concertation.polls.schedule import close_due_polls, reminder_due_at, send_poll_reminders
from concertation.polls.tokens import read_poll_token
from tests.common.db.meetings import meeting, paris
from tests.common.db.people import gevaudan_elus
from tests.common.db.pollgrid import answer, sent_poll
from tests.common.journey import parse, text_of

# 31 October 2027: the clocks go back at 3:00 in Paris, two days after the reminder's day.
DEADLINE = paris(2027, 10, 31, 12)
DUE = datetime(2027, 10, 29, 6, 0, tzinfo=UTC)  # 8:00 in Paris, still summer time


@pytest.fixture()
def poll(app: Flask, lozere: None) -> Poll:
    """A poll sent on 20 October to the CC du Gévaudan's élus (one maire without email); two have answered."""
    elus = gevaudan_elus(without_email=1)
    created = sent_poll(
        meeting(starts_at=paris(2027, 11, 9)), deadline=DEADLINE, sent_at=paris(2027, 10, 20, 10)
    )
    answer(created, elus[1], PollChoice.OUI, PollChoice.NON, PollChoice.NON)
    answer(created, elus[-1], None, PollChoice.SI_NECESSAIRE, None)
    db.session.commit()
    return created


def _silent_with_email(poll: Poll) -> set[int]:
    return {r.id for r in poll.recipients if r.email and r.answered_at is None}


def _reminders() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == MessageKind.REMINDER)))


def _send(app: Flask, now: datetime) -> int:
    sent = send_poll_reminders(now, MailContext.from_config(app.config))
    db.session.commit()
    return sent


def test_the_reminder_leaves_at_8_on_the_second_day_before_the_deadline_across_the_clock_change() -> None:
    assert reminder_due_at(DEADLINE) == DUE
    assert reminder_due_at(paris(2027, 1, 15, 12)) == datetime(2027, 1, 13, 7, 0, tzinfo=UTC)  # winter time
    # 28 March 2027, the clocks go forward at 2:00: 8:00 is summer time already.
    assert reminder_due_at(paris(2027, 3, 30, 12)) == datetime(2027, 3, 28, 6, 0, tzinfo=UTC)


def test_one_reminder_to_each_silent_recipient_with_email_on_its_day_only(app: Flask, poll: Poll) -> None:
    expected = _silent_with_email(poll)
    assert len(expected) == len(poll.recipients) - 3  # two answered, one has no address

    assert _send(app, paris(2027, 10, 28, 23, 59)) == 0  # the day before
    assert _send(app, DUE - timedelta(minutes=1)) == 0
    assert _send(app, DUE) == len(expected)
    assert _send(app, DUE + timedelta(minutes=10)) == 0
    assert _send(app, paris(2027, 10, 30, 9)) == 0

    messages = _reminders()
    by_address = {r.email: r.id for r in poll.recipients}
    assert sorted(by_address[m.recipient_email] for m in messages) == sorted(expected)
    db.session.refresh(poll)
    assert poll.reminded_at == DUE
    for message in messages:
        assert b"text/calendar" not in message.raw
        assert message.meeting_id == poll.meeting_id and message.subject.startswith(
            "Relance : sondage de date"
        )
        text = text_of(message.raw)
        assert "dimanche 31 octobre 2027 à 12 h 00" in text
        assert "mardi 9 novembre 2027, de 14 h à 17 h" in text
        (token,) = re.findall(r"/s/(\S+)", text)
        claims = read_poll_token(app.config["SECRET_KEY"], token)
        assert (claims.recipient_id, claims.poll_id) == (by_address[message.recipient_email], poll.id)
        html = parse(message.raw).get_body(preferencelist=("html",))
        assert html is not None and token in html.get_content()


def test_no_reminder_for_a_closed_poll_or_after_the_deadline(app: Flask, poll: Poll) -> None:
    poll.closed_at = paris(2027, 10, 28, 17)  # a slot was chosen
    db.session.commit()
    assert _send(app, DUE + timedelta(hours=1)) == 0
    poll.closed_at = None
    db.session.commit()
    assert _send(app, DEADLINE) == 0
    assert _reminders() == []


def test_a_poll_sent_on_the_reminders_day_is_not_reminded(app: Flask, poll: Poll) -> None:
    poll.sent_at = paris(2027, 10, 29, 7)
    db.session.commit()
    assert _send(app, paris(2027, 10, 29, 9)) == 0


def test_closing_at_the_deadline(app: Flask, poll: Poll) -> None:
    unsent = sent_poll(meeting(title="Autre"), deadline=paris(2027, 10, 1, 12))
    unsent.sent_at = None
    db.session.commit()
    assert close_due_polls(DEADLINE - timedelta(seconds=1)) == 0
    assert close_due_polls(DEADLINE + timedelta(minutes=7)) == 1
    db.session.commit()
    assert close_due_polls(DEADLINE + timedelta(minutes=17)) == 0
    db.session.refresh(poll)
    db.session.refresh(unsent)
    assert poll.closed_at == DEADLINE and unsent.closed_at is None


def test_the_jobs_are_declared(app: Flask, poll: Poll) -> None:
    close, remind = job_named("close_polls"), job_named("poll_reminders")
    assert close is not None and remind is not None
    assert close.period == remind.period == timedelta(minutes=10)
    assert close.work(app) == "0 sondage(s) clos"


def test_two_schedulers_at_once_remind_once(app: Flask, poll: Poll) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("two concurrent schedulers run against PostgreSQL (set TEST_DATABASE_URL)")
    ctx = MailContext.from_config(app.config)
    start = threading.Barrier(2)
    errors: list[BaseException] = []
    sent: list[int] = []

    def run() -> None:
        with app.app_context():
            try:
                start.wait(10)
                sent.append(send_poll_reminders(DUE + timedelta(minutes=3), ctx))
                db.session.commit()
            except BaseException as error:  # noqa: BLE001 - reported to the test thread
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    expected = len(_silent_with_email(poll))
    assert sorted(sent) == [0, expected]
    count = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    assert count == expected
    assert len({m.recipient_email for m in _reminders()}) == expected
