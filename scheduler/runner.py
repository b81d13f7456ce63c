"""Running the jobs: one APScheduler BlockingScheduler per process, one active process per database.

On PostgreSQL the active process holds a session-level advisory lock on a dedicated connection; another
process started beside it (a second server, a deployment overlap) waits and takes over when the first dies,
because PostgreSQL releases the lock with the dead process's connection. SQLite means a single development
machine: no lock.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Iterable
from contextlib import suppress
from datetime import datetime
from types import FrameType
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import SchedulerNotRunningError
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from concertation.observability import configure_logging as configure_observability_logging
from concertation.observability import log_format, logged_job
from scheduler.jobs import JOBS, Job, get_app

log = logging.getLogger("scheduler")

TIMEZONE = ZoneInfo("Europe/Paris")
# Arbitrary but fixed: every scheduler process of this application contends for the same key.
LOCK_KEY = 4_853_772_026
LOCK_RETRY_SECONDS = float(os.environ.get("SCHEDULER_LOCK_RETRY_SECONDS", "5"))
LOCK_CHECK_SECONDS = 30
# How long a stop waits for the running jobs before the process exits without them: a job cut short loses
# nothing (the outbox's lease sends its messages later, the mailbox's claims keep its messages once), and
# a supervisor (systemd, `make serve-prod`'s Ctrl-C) must not hang on a stuck SMTP or IMAP server.
STOP_GRACE_SECONDS = float(os.environ.get("SCHEDULER_STOP_SECONDS", "15"))
STOP_POLL_SECONDS = 0.5
LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def configure_logging(level: int = logging.INFO) -> None:
    """One readable line per event on stderr, or one JSON object per line when LOG_FORMAT=json."""
    if log_format() == "json":
        configure_observability_logging("json", level=level)
    else:
        logging.basicConfig(level=level, format=LOG_FORMAT, stream=sys.stderr, force=True)
    # APScheduler logs two lines per run and Alembic its plugins at import: keep only their problems.
    for noisy in ("apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


class SchedulerLock:
    """A session-level `pg_try_advisory_lock` held on a connection of its own.

    The connection comes from a pool-less engine, so that releasing really closes it: a pooled connection
    would keep the session, and the lock, alive.
    """

    def __init__(self, engine: Engine, key: int = LOCK_KEY) -> None:
        self.key = key
        self._engine = create_engine(engine.url, poolclass=NullPool)
        self._connection: Connection | None = None
        self.is_locked = False

    def try_acquire(self) -> bool:
        """Take the lock if it is free; False if another session holds it or the database is unreachable."""
        if self.is_locked:
            return True
        try:
            if self._connection is None:
                self._connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            got = self._connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key})
        except SQLAlchemyError as error:
            log.warning("cannot reach the database for the scheduler lock: %s", error.__class__.__name__)
            self._close()
            return False
        self.is_locked = bool(got)
        return self.is_locked

    def acquire(self, stop: threading.Event, retry_seconds: float = LOCK_RETRY_SECONDS) -> bool:
        """Wait for the lock, retrying every `retry_seconds`; False if `stop` was set first."""
        announced = False
        while not stop.is_set():
            if self.try_acquire():
                return True
            if not announced:
                log.info("another scheduler process holds the lock; waiting to take over")
                announced = True
            stop.wait(retry_seconds)
        return False

    def is_held(self) -> bool:
        """True while the lock's connection is alive (the lock lives exactly as long as that session)."""
        if not self.is_locked or self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            self.is_locked = False
            return False
        return True

    def release(self) -> None:
        if self.is_locked and self._connection is not None:
            # If the session is already gone, so is the lock.
            with suppress(SQLAlchemyError):
                self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
        self.is_locked = False
        self._close()
        self._engine.dispose()

    def _close(self) -> None:
        if self._connection is not None:
            with suppress(SQLAlchemyError):
                self._connection.close()
            self._connection = None


def lock_for(engine: Engine) -> SchedulerLock | None:
    """The lock on PostgreSQL; None elsewhere (SQLite: a single development machine)."""
    return SchedulerLock(engine) if engine.dialect.name == "postgresql" else None


def build_scheduler(jobs: Iterable[Job]) -> BackgroundScheduler:
    """A scheduler in Europe/Paris with the jobs added; each job also runs once right at start."""
    scheduler = BackgroundScheduler(
        timezone=TIMEZONE,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
    )
    # With JSON logs, each run also writes one line: job, outcome, duration_ms.
    is_json = log_format() == "json"
    for job in jobs:
        scheduler.add_job(
            logged_job(job.name, job.func) if is_json else job.func,
            "interval",
            id=job.name,
            name=job.name,
            next_run_time=datetime.now(TIMEZONE),
            **dict(job.interval),
        )
    return scheduler


class Runner:
    """Owns the lock and the scheduler of this process, and stops them on a signal.

    The jobs run in APScheduler's background threads; the main thread only waits for a stop, waking
    every STOP_POLL_SECONDS. A signal's handler runs in the main thread between two instructions, and a
    thread blocked in a long wait may not get there until the wait ends (seen in CI: a Ctrl-C handled
    30 s late, when the next job was due); a short wait keeps every stop prompt.
    """

    def __init__(self, jobs: Iterable[Job] = JOBS) -> None:
        self.jobs = tuple(jobs)
        self.stop = threading.Event()
        self.scheduler: BackgroundScheduler | None = None
        self.lock: SchedulerLock | None = None
        self.lock_lost = False

    def handle_signal(self, signum: int, frame: FrameType | None) -> None:
        log.info("received %s, stopping", signal.Signals(signum).name)
        self.request_stop()

    def request_stop(self) -> None:
        """Safe from a signal handler and from a job: the main thread does the stopping."""
        self.stop.set()

    def _shutdown_scheduler(self, scheduler: BackgroundScheduler) -> None:
        watchdog = threading.Timer(STOP_GRACE_SECONDS, self._exit_without_jobs)
        watchdog.daemon = True
        watchdog.start()
        with suppress(SchedulerNotRunningError):
            scheduler.shutdown(wait=True)
        watchdog.cancel()

    def _exit_without_jobs(self) -> None:
        executor = getattr(self.scheduler, "_executors", {}).get("default")
        running = sorted(job for job, count in getattr(executor, "_instances", {}).items() if count)
        log.error(
            "jobs still running %s s after the stop request (%s): exiting without them",
            STOP_GRACE_SECONDS,
            ", ".join(running) or "unknown",
        )
        logging.shutdown()
        # PostgreSQL releases the advisory lock with this process's connection.
        os._exit(1)

    def check_lock(self) -> None:
        """Stop this process if its lock connection died: another process may already have taken over."""
        if self.lock is not None and not self.lock.is_held():
            log.error("scheduler lock lost (database connection closed); stopping")
            self.lock_lost = True
            self.request_stop()

    def run(self) -> int:
        """Wait for the lock if needed, run the jobs until stopped; the process exit code."""
        signal.signal(signal.SIGTERM, self.handle_signal)
        signal.signal(signal.SIGINT, self.handle_signal)
        app = get_app()
        with app.app_context():
            from concertation.extensions import db

            self.lock = lock_for(db.engine)
            database = db.engine.dialect.name
        if self.lock is None:
            log.info("%s database: no scheduler lock (single-machine development)", database)
        elif not self.lock.acquire(self.stop):
            return 0
        else:
            log.info("scheduler lock taken (PostgreSQL advisory lock %s)", self.lock.key)
        try:
            scheduler = build_scheduler(self.jobs)
            if self.lock is not None:
                scheduler.add_job(self.check_lock, "interval", id="_lock_check", seconds=LOCK_CHECK_SECONDS)
            self.scheduler = scheduler
            if self.stop.is_set():
                return 0
            for job in self.jobs:
                interval = ", ".join(f"{v} {k}" for k, v in job.interval.items())
                log.info("job %s every %s: %s", job.name, interval, job.description)
            log.info("scheduler started (%s)", TIMEZONE.key)
            scheduler.start()
            while not self.stop.wait(STOP_POLL_SECONDS):
                pass
            self._shutdown_scheduler(scheduler)
        finally:
            if self.lock is not None:
                self.lock.release()
        log.info("scheduler stopped")
        return 1 if self.lock_lost else 0


def main() -> int:
    configure_logging()
    return Runner().run()
