"""Job runs recorded by the scheduler, read by `flask jobs list`, the follow-up page and the health check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select

from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.followup.jobs import DRAIN_OUTBOX, JOBS, Job
from concertation.followup.models import JobRun

KEEP_RUNS = 200


def start_run(name: str) -> int:
    run = JobRun(job_name=name, started_at=now_utc())
    db.session.add(run)
    db.session.commit()
    return run.id


def finish_run(run_id: int, *, ok: bool, detail: str) -> None:
    db.session.rollback()
    run = db.session.get(JobRun, run_id)
    if run is None:
        return
    run.finished_at = now_utc()
    run.outcome = "ok" if ok else "erreur"
    run.detail = detail[:2000]
    # Keep the recent history only: the outbox job alone runs 2,880 times a day.
    old = (
        select(JobRun.id).where(JobRun.job_name == run.job_name).order_by(JobRun.id.desc()).offset(KEEP_RUNS)
    )
    db.session.execute(delete(JobRun).where(JobRun.id.in_(old.scalar_subquery())))
    db.session.commit()


def last_runs() -> dict[str, JobRun]:
    """The latest run of each job, however long ago (a stuck job's last run is hours old)."""
    latest = select(func.max(JobRun.id)).group_by(JobRun.job_name)
    return {run.job_name: run for run in db.session.scalars(select(JobRun).where(JobRun.id.in_(latest)))}


# A job is late once its last run started more than LATE_PERIODS periods plus a margin ago: one missed run
# is a slow job or a restart, three in a row mean that no scheduler process runs it.
LATE_PERIODS = 3
LATE_MARGIN_SECONDS = 60


@dataclass(frozen=True)
class JobState:
    """A job, its last run and how long ago that run started (None: never run on this database)."""

    job: Job
    last_run: JobRun | None
    age_seconds: float | None
    late_after_seconds: float

    @property
    def is_late(self) -> bool:
        """Ran at least once, but not for longer than the threshold: the scheduler stopped running it."""
        return self.age_seconds is not None and self.age_seconds > self.late_after_seconds


def late_after(
    job: Job, *, periods: float = LATE_PERIODS, margin_seconds: float = LATE_MARGIN_SECONDS
) -> float:
    """Seconds after its last start past which `job` counts as late."""
    return periods * job.period.total_seconds() + margin_seconds


def job_states(
    now: datetime, *, periods: float = LATE_PERIODS, margin_seconds: float = LATE_MARGIN_SECONDS
) -> list[JobState]:
    """Each declared job with the age of its last run, in the order of the jobs table."""
    runs = last_runs()
    states = []
    for job in JOBS:
        run = runs.get(job.name)
        age = None if run is None else round(max((now - run.started_at).total_seconds(), 0.0), 1)
        threshold = late_after(job, periods=periods, margin_seconds=margin_seconds)
        states.append(JobState(job=job, last_run=run, age_seconds=age, late_after_seconds=threshold))
    return states


def stopped_jobs(states: list[JobState], oldest_due_age_seconds: float | None) -> set[str]:
    """The jobs that no scheduler runs any more: late ones, and the outbox job if it never ran while a due
    email has waited past its threshold (a fresh install without any email waiting is not an outage)."""
    stopped = {state.job.name for state in states if state.is_late}
    for state in states:
        if (
            state.job.name == DRAIN_OUTBOX
            and state.age_seconds is None
            and oldest_due_age_seconds is not None
            and oldest_due_age_seconds > state.late_after_seconds
        ):
            stopped.add(state.job.name)
    return stopped
