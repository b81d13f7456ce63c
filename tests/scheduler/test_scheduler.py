"""The scheduler: the jobs table, the one-active-process lock, a real `python -m scheduler` process."""

from __future__ import annotations

import inspect
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.engine import Engine

from concertation import PROJECT_DIR
from concertation.extensions import db
from concertation.followup import jobs as declared
from concertation.followup.models import JobRun
from scheduler import jobs
from scheduler.jobs import INTERVAL_UNITS, JOBS
from scheduler.runner import SchedulerLock, build_scheduler, lock_for
from tests.common.smtp import SmtpSink


def _engine() -> Engine:
    return db.engine


def _requires_postgres() -> None:
    if _engine().dialect.name != "postgresql":
        pytest.skip("advisory locks exist on PostgreSQL only (set TEST_DATABASE_URL); SQLite runs no lock")


def test_jobs_table_is_well_formed() -> None:
    names = [job.name for job in JOBS]
    assert names and len(names) == len(set(names))
    for job in JOBS:
        assert job.name.isidentifier()
        assert job.description.strip()
        assert callable(job.func)
        assert not [
            p for p in inspect.signature(job.func).parameters.values() if p.default is inspect.Parameter.empty
        ]
        assert job.interval and set(job.interval) <= INTERVAL_UNITS
        assert all(isinstance(v, int) and v > 0 for v in job.interval.values())
    scheduler = build_scheduler(JOBS)
    assert sorted(j.id for j in scheduler.get_jobs()) == sorted(names)
    assert str(scheduler.timezone) == "Europe/Paris"


def test_drain_outbox_job_sends_what_is_due(
    app: Flask, monkeypatch: pytest.MonkeyPatch, smtp_server: SmtpSink
) -> None:
    from tests.common.db.notifications import outbox_messages

    monkeypatch.setattr(jobs, "get_app", lambda: app)
    outbox_messages(3)
    drain_outbox = next(job.func for job in JOBS if job.name == "drain_outbox")
    drain_outbox()
    drain_outbox()  # a second run finds nothing more to send
    assert len(smtp_server.messages) == 3
    with app.app_context():
        runs = db.session.scalars(select(JobRun).where(JobRun.job_name == "drain_outbox")).all()
        assert [(run.outcome, run.detail) for run in runs] == [
            ("ok", "3 envoyé(s), 0 refusé(s), 0 reporté(s)"),
            ("ok", "0 envoyé(s), 0 refusé(s), 0 reporté(s)"),
        ]


def test_the_scheduler_runs_the_jobs_the_application_declares() -> None:
    assert [(j.name, dict(j.interval), j.description) for j in JOBS] == [
        (j.name, dict(j.interval), j.description) for j in declared.JOBS
    ]
    labels = [j.label for j in declared.JOBS]
    assert all(label.strip() and label[0].isupper() for label in labels) and len(set(labels)) == len(labels)


def test_no_lock_on_sqlite(app: Flask) -> None:
    lock = lock_for(_engine())
    if _engine().dialect.name == "sqlite":
        assert lock is None
    else:
        assert isinstance(lock, SchedulerLock)
        lock.release()


def test_advisory_lock_has_one_holder_at_a_time(app: Flask) -> None:
    _requires_postgres()
    key = secrets.randbelow(2**62)
    first, second = SchedulerLock(_engine(), key), SchedulerLock(_engine(), key)
    try:
        assert first.try_acquire()
        assert first.is_held()
        assert not second.try_acquire()
        assert not second.is_held()
        first.release()
        assert second.try_acquire()
        assert not first.try_acquire()
    finally:
        first.release()
        second.release()


def test_waiting_process_takes_over_when_the_holder_goes(app: Flask) -> None:
    _requires_postgres()
    key = secrets.randbelow(2**62)
    holder, waiter = SchedulerLock(_engine(), key), SchedulerLock(_engine(), key)
    stop = threading.Event()
    try:
        assert holder.try_acquire()
        threading.Timer(0.3, holder.release).start()
        started = time.monotonic()
        assert waiter.acquire(stop, retry_seconds=0.05)
        assert time.monotonic() - started >= 0.25
        stop.set()
        assert not SchedulerLock(_engine(), key).acquire(stop)  # a stop request ends the wait
    finally:
        holder.release()
        waiter.release()


def _start_scheduler(database_url: str, instance: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(instance),
        "CONCERTATION_ENV": "development",
        "SCHEDULER_LOCK_RETRY_SECONDS": "0.2",
        "PYTHONUNBUFFERED": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "scheduler"],
        cwd=PROJECT_DIR,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )


def _wait_for_line(process: subprocess.Popen[str], needle: str, timeout: float = 20) -> list[str]:
    """Lines read from the process's stderr up to the first one containing `needle`."""
    assert process.stderr is not None
    seen: list[str] = []
    found = threading.Event()

    def reader() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            seen.append(line)
            if needle in line:
                found.set()
                return

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    assert found.wait(timeout), "".join(seen)
    return seen


def test_python_m_scheduler_runs_and_stops_on_sigterm(database_url: str, tmp_path: Path) -> None:
    process = _start_scheduler(database_url, tmp_path)
    try:
        lines = _wait_for_line(process, "scheduler started")
        assert any("no scheduler lock" in line or "lock taken" in line for line in lines)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_second_process_waits_then_takes_over(database_url: str, tmp_path: Path) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("advisory locks exist on PostgreSQL only (set TEST_DATABASE_URL)")
    first = _start_scheduler(database_url, tmp_path)
    second = None
    try:
        _wait_for_line(first, "scheduler started")
        second = _start_scheduler(database_url, tmp_path)
        _wait_for_line(second, "waiting to take over")
        first.kill()  # a crash: PostgreSQL frees the lock with the dead session
        first.wait()
        _wait_for_line(second, "scheduler started")
        second.send_signal(signal.SIGINT)
        assert second.wait(timeout=15) == 0
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()


HUNG_JOB = """
import threading
from scheduler.jobs import Job
from scheduler.runner import Runner, configure_logging

def hung():
    threading.Event().wait()  # an SMTP or IMAP server that never answers

configure_logging()
raise SystemExit(Runner([Job(name="hung", func=hung, interval={"hours": 1}, description="")]).run())
"""


def test_a_hung_job_does_not_keep_the_process_from_stopping(database_url: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(tmp_path),
        "CONCERTATION_ENV": "development",
        "SCHEDULER_STOP_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-c", HUNG_JOB], cwd=PROJECT_DIR, env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        _wait_for_line(process, "scheduler started")
        time.sleep(0.3)  # the job has started and hangs
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 1
        assert process.stderr is not None
        assert "jobs still running 1.0 s after the stop request (hung)" in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
