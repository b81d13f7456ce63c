"""The scheduler's side of the jobs: each job of `concertation.followup.jobs`, runnable without arguments.

The jobs themselves are data of the application (`concertation/followup/jobs.py`); this module only gives
each one the application it runs in, built once per scheduler process from the environment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

from flask import Flask

from concertation.followup import jobs as declared
from concertation.followup.jobs import INTERVAL_UNITS, OUTBOX_SECONDS

__all__ = ["INTERVAL_UNITS", "JOBS", "OUTBOX_SECONDS", "Job", "app_context", "get_app", "runnable"]


@dataclass(frozen=True)
class Job:
    """A declared job with `func`, the callable APScheduler runs every `interval`."""

    name: str
    func: Callable[[], None]
    interval: Mapping[str, int]
    description: str


@cache
def get_app() -> Flask:
    """The application the jobs run in, built once per scheduler process from the environment."""
    from concertation import create_app

    return create_app()


@contextmanager
def app_context() -> Iterator[Flask]:
    """An application context for one job run; the database session is removed when it closes."""
    app = get_app()
    with app.app_context():
        yield app


def runnable(job: declared.Job) -> Callable[[], None]:
    """`job` run in this process's application, its run recorded (`flask jobs list`, the health check)."""

    def run() -> None:
        with app_context() as app:
            declared.run_recorded(app, job)

    run.__name__ = run.__qualname__ = job.name
    run.__doc__ = job.description
    return run


JOBS: tuple[Job, ...] = tuple(
    Job(name=job.name, func=runnable(job), interval=job.interval, description=job.description)
    for job in declared.JOBS
)
