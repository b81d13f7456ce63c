"""Job runs recorded by the scheduler, read by `flask jobs list` and the follow-up page."""

from __future__ import annotations

from sqlalchemy import delete, select

from concertation.core.timeutils import now_utc
from concertation.extensions import db
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
    """The latest run of each job."""
    runs = db.session.scalars(select(JobRun).order_by(JobRun.id.desc()).limit(500))
    latest: dict[str, JobRun] = {}
    for run in runs:
        latest.setdefault(run.job_name, run)
    return latest
