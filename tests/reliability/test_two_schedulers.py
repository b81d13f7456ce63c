"""Two real `python -m scheduler` processes on one PostgreSQL database, then the active one SIGKILLed.

The standard: a crash, an SMTP outage or a second scheduler never loses or silently duplicates an invitation
or a reminder. Here both processes start at the same instant against the same database and the same SMTP
server (the aiosmtpd sink of tests/conftest.py); every message that reaches the server is counted by its
Message-ID, every reminder by its ReminderLog row.

1. Both running: one takes the advisory lock and does all the work, the other only waits. Every reminder
   and every invitation arrives exactly once.
2. More work arrives and the lock holder is killed (SIGKILL) in the middle of sending it: the waiting process
   takes the lock and finishes, including reminders the dead process never got to. The only copies are the
   messages the dead process had handed to the server but not yet recorded (at most one RESULT_CHUNK),
   resent with the same Message-ID once the dead process's lease has expired, as test_scheduler_kill states
   (the test moves the end of that 5-minute lease to the past instead of waiting for it).

On SQLite the test is skipped: scheduler/runner.py takes no lock there (`lock_for()` returns None, the log
says "no scheduler lock (single-machine development)"), so a second process would run the jobs beside the
first instead of waiting. SQLite is for a single development machine with a single scheduler.
"""

from __future__ import annotations

import email.parser
import time
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.followup.jobs import JOBS
from concertation.followup.models import JobRun, ReminderKind, ReminderLog
from concertation.invitations.models import Invitation
from concertation.meetings.models import Meeting
from concertation.notifications.models import DeliveryState, MessageKind, OutboxMessage
from concertation.notifications.sender import RESULT_CHUNK
from tests.common.db.invitations import big_convocation
from tests.common.processes import Report, Scheduler, process_env, wait_for
from tests.common.smtp import SmtpSink

pytestmark = pytest.mark.reliability

# Phase 1: relances J-7 due for R's invitees; invitations of S and T waiting in the outbox.
REMINDED_FIRST = 20
CONVOKED_FIRST = 30 + 10
# Phase 2: T's invitees become due for their relance (the active process's next reminder pass is 10 minutes
# away, so only the process that takes over sends them) and U is convoked, then the holder is killed.
REMINDED_LATER = 10
CONVOKED_LATER = 100
# A third of U: not a multiple of RESULT_CHUNK, so that the kill usually falls between two result writes.
KILL_AFTER = CONVOKED_LATER // 3
LOCK_TAKEN = "scheduler lock taken"
WAITING = "another scheduler process holds the lock"
HEADERS = email.parser.BytesHeaderParser()


def _message_ids(sink: SmtpSink) -> list[str]:
    """The Message-ID of every message the SMTP server accepted, copies included."""
    with sink.lock:
        raws = [raw for _, _, raw in sink.messages]
    return [str(HEADERS.parsebytes(raw)["Message-ID"]) for raw in raws]


def _count(model: type[object], *conditions: object) -> int:
    db.session.expire_all()
    query = select(func.count()).select_from(model).where(*conditions)  # type: ignore[arg-type]
    return db.session.scalar(query) or 0


def _ids(*conditions: object) -> set[str]:
    db.session.expire_all()
    return set(db.session.scalars(select(OutboxMessage.message_id).where(*conditions)))  # type: ignore[arg-type]


def _meeting_in_three_days(meeting: Meeting) -> None:
    """Move a convoked meeting to three days from now: its J-7 relance day is four days ago."""
    start = (now_utc() + timedelta(days=3)).replace(microsecond=0)
    meeting.starts_at, meeting.ends_at = start, start + timedelta(hours=3)
    db.session.commit()


def _invited_days_ago(meeting: Meeting, days: int) -> None:
    """Date the invitations back: invitees convoked after the J-7 day get no relance, earlier ones do."""
    db.session.execute(
        update(Invitation)
        .where(Invitation.meeting_id == meeting.id)
        .values(created_at=now_utc() - timedelta(days=days))
    )
    db.session.commit()


def _already_delivered(meeting: Meeting) -> set[str]:
    """The meeting's invitations went out when it was convoked: no longer in the outbox queue."""
    ids = _ids(OutboxMessage.meeting_id == meeting.id)
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.meeting_id == meeting.id)
        .values(state=DeliveryState.ENVOYE, attempts=1, sent_at=now_utc(), next_attempt_at=None)
    )
    db.session.commit()
    return ids


def _pending() -> int:
    return _count(OutboxMessage, OutboxMessage.state != DeliveryState.ENVOYE)


def _drain_runs_since(moment: datetime) -> int:
    return _count(
        JobRun,
        JobRun.job_name == "drain_outbox",
        JobRun.outcome == "ok",
        JobRun.started_at > moment,
    )


def _settle(since: datetime) -> None:
    """One more complete outbox pass after `since`: a late copy would have reached the server by then."""
    assert wait_for(lambda: _drain_runs_since(since) >= 1, 15, 0.05), "the outbox job stopped running"


def _exactly_once(copies: Counter[str], ids: Iterable[str]) -> list[str]:
    """The Message-IDs among `ids` that did not arrive exactly once."""
    return sorted(mid for mid in ids if copies[mid] != 1)


def test_two_scheduler_processes_then_the_lock_holder_killed(
    app: Flask, database_url: str, tmp_path: Path, smtp_server: SmtpSink, report: Report
) -> None:
    """Deux planificateurs sur la même base, puis celui qui tient le verrou tué (SIGKILL)"""
    if not database_url.startswith("postgresql"):
        pytest.skip(
            "two scheduler processes need PostgreSQL (set TEST_DATABASE_URL): on SQLite scheduler/runner.py "
            "takes no lock (single development machine, one scheduler process only)"
        )
    started = time.monotonic()
    # R: convoked ten days ago for a meeting in three days, nobody answered: its relances J-7 are due.
    r = big_convocation(app, REMINDED_FIRST, code="R")
    _meeting_in_three_days(r)
    _invited_days_ago(r, 10)
    delivered_before = _already_delivered(r)
    # S, T: convoked just now, their invitations are queued. T is also in three days (used in phase 2).
    big_convocation(app, CONVOKED_FIRST - REMINDED_LATER, code="S")
    t = big_convocation(app, REMINDED_LATER, code="T")
    _meeting_in_three_days(t)
    first_expected = _ids() - delivered_before
    assert len(first_expected) == CONVOKED_FIRST
    prepared = time.monotonic()

    env = process_env(
        app,
        database_url,
        tmp_path,
        MAIL_PORT=str(smtp_server.port),
        # A queued email waits for the next outbox pass: 1 s instead of 30 s keeps the run in seconds.
        SCHEDULER_OUTBOX_SECONDS="1",
    )
    one = Scheduler(env, tmp_path / "scheduler-1.log")
    two = Scheduler(env, tmp_path / "scheduler-2.log")
    try:
        # 1. Both at once: one takes the lock, the other waits.
        one.start()
        two.start()
        assert wait_for(lambda: one.said(LOCK_TAKEN) or two.said(LOCK_TAKEN), 20, 0.05), (
            one.tail() + two.tail()
        )
        holder, standby = (one, two) if one.said(LOCK_TAKEN) else (two, one)
        assert wait_for(lambda: standby.said(WAITING), 10, 0.05), standby.tail()
        assert wait_for(
            lambda: _count(ReminderLog) == REMINDED_FIRST and _pending() == 0,
            30,
            0.1,
        ), f"pending {_pending()}, reminders {_count(ReminderLog)}\n{holder.tail()}"
        _settle(now_utc())
        copies = Counter(_message_ids(smtp_server))
        reminders = _ids(OutboxMessage.kind == MessageKind.REMINDER)
        expected = first_expected | reminders
        report.add(
            f"deux `python -m scheduler` lancés au même instant sur la même base PostgreSQL : le processus "
            f"{holder.worker} prend le verrou et exécute {len(holder.job_runs())} passages de tâches, "
            f"{standby.worker} attend ({len(standby.job_runs())} passage)"
        )
        report.add(
            f"phase 1 : {REMINDED_FIRST} relances J-7 dues et {CONVOKED_FIRST} invitations en file ; "
            f"le serveur SMTP reçoit {sum(copies.values())} courriels, {len(copies)} Message-ID distincts ; "
            f"{_count(ReminderLog)} lignes ReminderLog "
            f"({time.monotonic() - prepared:.1f} s après le lancement)"
        )
        assert holder.process is not None and holder.process.poll() is None
        assert standby.job_runs() == [], "the waiting process ran a job"
        assert len(reminders) == REMINDED_FIRST
        assert set(copies) == expected, "lost or unknown messages"
        assert _exactly_once(copies, expected) == []
        reminder_keys = db.session.execute(
            select(ReminderLog.kind, ReminderLog.object_id, ReminderLog.period, ReminderLog.recipient_email)
        ).all()
        assert len(set(reminder_keys)) == len(reminder_keys) == REMINDED_FIRST
        assert {kind for kind, *_ in reminder_keys} == {ReminderKind.UNANSWERED}

        # 2. T's relances become due, U is convoked; the holder sends U and is killed a third of the way.
        _invited_days_ago(t, 10)
        before = len(_message_ids(smtp_server))
        u = big_convocation(app, CONVOKED_LATER, code="U")
        convoked = time.monotonic()
        later_invitations = _ids(OutboxMessage.meeting_id == u.id)
        assert wait_for(lambda: len(smtp_server.messages) >= before + KILL_AFTER, 20), holder.tail()
        holder.kill()
        killed_at = datetime.now(UTC)
        # PostgreSQL frees the lock once the dead process's session is gone, i.e. after the last COMMIT
        # it had sent: from then on what the dead process recorded is final.
        assert wait_for(lambda: standby.said(LOCK_TAKEN), 15, 0.02), standby.tail()
        lock_line = next(e for e in standby.events() if str(e["message"]).startswith(LOCK_TAKEN))
        takeover = (datetime.fromisoformat(str(lock_line["ts"])) - killed_at).total_seconds()
        # A sender keeps its name in claimed_by when it records a result (sender._write); the rows still
        # under the dead process's lease are out of the new process's reach until the lease expires.
        recorded = _count(
            OutboxMessage,
            OutboxMessage.meeting_id == u.id,
            OutboxMessage.claimed_by == holder.worker,
            OutboxMessage.state == DeliveryState.ENVOYE,
        )
        leased = _ids(
            OutboxMessage.claimed_by == holder.worker,
            OutboxMessage.claimed_until > now_utc(),
            OutboxMessage.state != DeliveryState.ENVOYE,
        )
        at_sink = Counter(_message_ids(smtp_server))
        in_flight = {mid for mid in leased if at_sink[mid]}
        report.add(
            f"phase 2 : relances J-7 de {REMINDED_LATER} invités devenues dues, convocation de "
            f"{CONVOKED_LATER} invités ; {holder.worker} tué (SIGKILL) après {recorded + len(in_flight)} "
            f"courriels reçus par le serveur, {recorded} enregistrés « envoyé » ; {len(leased)} lignes sous "
            f"son bail (5 min), dont {len(in_flight)} déjà reçues par le serveur sans que le résultat soit "
            f"écrit (écriture par lots de {RESULT_CHUNK})"
        )
        assert leased, "killed too late: the sending was over"
        assert len(in_flight) <= RESULT_CHUNK
        assert len(holder.job_runs("send_reminders")) == 1, (
            "the holder ran the reminders before its next pass"
        )

        # The waiting process runs every job at once; its first pass sends all but the leased rows.
        assert wait_for(lambda: len(standby.job_runs("drain_outbox")) >= 1, 15, 0.05), standby.tail()
        still_leased = _ids(
            OutboxMessage.claimed_by == holder.worker, OutboxMessage.claimed_until > now_utc()
        )
        report.add(
            f"{standby.worker} prend le verrou {takeover:.2f} s après la mort du premier et exécute "
            f"ses tâches au démarrage ; son premier passage laisse {len(still_leased)} lignes "
            "sous le bail du mort"
        )
        assert still_leased == leased, "a leased row was sent before its lease expired"

        # Five minutes later the lease expires; here the clock of those rows is moved instead of waiting.
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.claimed_by == holder.worker, OutboxMessage.claimed_until > now_utc())
            .values(claimed_until=now_utc() - timedelta(seconds=1))
        )
        db.session.commit()
        reminded = REMINDED_FIRST + REMINDED_LATER
        assert wait_for(
            lambda: _count(ReminderLog) == reminded and _pending() == 0,
            30,
            0.1,
        ), f"pending {_pending()}, reminders {_count(ReminderLog)}\n{standby.tail()}"
        _settle(now_utc())
        standby.stop()
        assert standby.process is not None and standby.process.returncode == 0, standby.tail()

        copies = Counter(_message_ids(smtp_server))
        reminders = _ids(OutboxMessage.kind == MessageKind.REMINDER)
        expected = first_expected | later_invitations | reminders
        twice = {mid for mid, n in copies.items() if n > 1}
        report.add(
            f"fin : le serveur a reçu {sum(copies.values())} courriels, {len(copies)} Message-ID distincts "
            f"pour {len(expected)} attendus ({reminded} relances, {CONVOKED_FIRST + CONVOKED_LATER} "
            f"invitations) ; {len(expected - set(copies))} perdu(s) ; {len(twice)} reçu(s) deux fois, "
            f"exactement ceux partis sans résultat écrit avant le SIGKILL ; {_count(ReminderLog)} lignes "
            f"ReminderLog, {len(reminders)} relances dans la file"
        )
        assert len(reminders) == reminded
        assert set(copies) == expected, "lost or unknown messages"
        assert twice == in_flight, "only the messages sent but not recorded by the dead process may go twice"
        assert all(copies[mid] == 2 for mid in twice)
        assert _exactly_once(copies, expected - in_flight) == []
        assert _exactly_once(copies, reminders) == [], "a reminder arrived twice"
        keys = db.session.execute(
            select(ReminderLog.kind, ReminderLog.object_id, ReminderLog.period, ReminderLog.recipient_email)
        ).all()
        assert len(set(keys)) == len(keys) == reminded
        reminder_runs = list(
            db.session.scalars(
                select(JobRun.detail).where(JobRun.job_name == "send_reminders").order_by(JobRun.id)
            )
        )
        assert reminder_runs == [f"{REMINDED_FIRST} sans_reponse", f"{REMINDED_LATER} sans_reponse"]

        # What `flask jobs list` shows afterwards: the last run of each job, by the process that took over.
        # (in this process, where the outbox period is the default 30 s: only the runs matter here)
        result = app.test_cli_runner().invoke(args=["jobs", "list"])
        assert result.exit_code == 0, result.output
        listing = result.output
        runs = Counter(db.session.scalars(select(JobRun.outcome)))
        report.add(
            f"`flask jobs list` : {listing.count('(ok)')} tâches sur {len(JOBS)} au dernier passage « ok » ; "
            f"historique JobRun : {dict(runs)} (le passage interrompu par le SIGKILL reste « en_cours », "
            "non affiché : seul le dernier passage de chaque tâche l'est)"
        )
        assert listing.count("(ok)") == len(JOBS), listing
        report.add(
            f"durées : données {prepared - started:.1f} s, phase 1 {convoked - prepared:.1f} s "
            f"(convocation de U comprise), phase 2 {time.monotonic() - convoked:.1f} s"
        )
    finally:
        one.kill()
        two.kill()
