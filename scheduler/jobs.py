"""The periodic jobs, declared as data.

Each job is a thin wrapper: it opens an application context and calls one service function, which polls the
database and is safe to run twice (ARCHITECTURE.md, rule 8). There is never one APScheduler job per row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

from flask import Flask

log = logging.getLogger("scheduler.jobs")

# Keyword arguments that APScheduler's interval trigger accepts.
INTERVAL_UNITS = frozenset({"weeks", "days", "hours", "minutes", "seconds"})


@dataclass(frozen=True)
class Job:
    """A job run every `interval` (interval-trigger keyword arguments, e.g. {"seconds": 30})."""

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


def drain_outbox() -> None:
    """Send the emails due now (the outbox sender); retries and leases make overlapping runs harmless."""
    from concertation.notifications.sender import SmtpSettings, drain

    with app_context() as app:
        report = drain(SmtpSettings.from_config(app.config))
        if report.sent or report.refused or report.deferred:
            log.info("outbox: %s", report.summary())


JOBS: tuple[Job, ...] = (
    Job(
        name="drain_outbox",
        func=drain_outbox,
        interval={"seconds": 30},
        description="Envoie les courriels en attente (file d'envoi), avec reprise des échecs temporaires.",
    ),
)
