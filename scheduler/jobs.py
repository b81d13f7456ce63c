"""The periodic jobs, declared as data.

Each job is a thin wrapper: it opens an application context and calls one service function, which polls the
database and is safe to run twice (ARCHITECTURE.md, rule 8). There is never one APScheduler job per row.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

from flask import Flask

log = logging.getLogger("scheduler.jobs")

# Keyword arguments that APScheduler's interval trigger accepts.
INTERVAL_UNITS = frozenset({"weeks", "days", "hours", "minutes", "seconds"})


def period_seconds(name: str, default: int) -> int:
    """A job period read from the environment variable `name`, in whole seconds (at least 1)."""
    raw = os.environ.get(name, "").strip() or str(default)
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number of seconds, got {raw!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be at least 1 second, got {value}")
    return value


# The outbox period bounds how long a queued email waits. Production keeps 30 s; the reliability tests set
# SCHEDULER_OUTBOX_SECONDS=1 so that a run with several scheduler processes takes seconds, not minutes.
OUTBOX_SECONDS = period_seconds("SCHEDULER_OUTBOX_SECONDS", 30)


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


def recorded(name: str, work: Callable[[Flask], str]) -> None:
    """Run `work` in an app context, recording the run (start, end, outcome) for `flask jobs list`.

    The work's own transaction is committed by the work; a failure is rolled back and recorded.
    """
    from concertation.followup.jobruns import finish_run, start_run

    with app_context() as app:
        run_id = start_run(name)
        try:
            detail = work(app)
        except Exception as error:
            log.exception("job %s failed", name)
            finish_run(run_id, ok=False, detail=f"{type(error).__name__}: {error}")
            raise
        finish_run(run_id, ok=True, detail=detail)


def _drain(app: Flask) -> str:
    from concertation.notifications.sender import SmtpSettings, drain

    report = drain(SmtpSettings.from_config(app.config))
    if report.sent or report.refused or report.deferred:
        log.info("outbox: %s", report.summary())
    return report.summary()


def _reminders(app: Flask) -> str:
    from concertation.core.timeutils import now_utc
    from concertation.extensions import db
    from concertation.followup.engine import FollowupSettings
    from concertation.followup.services import run_reminders
    from concertation.notifications.emails import MailContext

    sent = run_reminders(
        now_utc(), FollowupSettings.from_config(app.config), MailContext.from_config(app.config)
    )
    db.session.commit()
    return ", ".join(f"{n} {kind.value}" for kind, n in sorted(sent.items())) or "aucun rappel dû"


def _close_meetings(app: Flask) -> str:
    from concertation.core.timeutils import now_utc
    from concertation.extensions import db
    from concertation.followup.services import close_past_meetings

    closed = close_past_meetings(now_utc())
    db.session.commit()
    return f"{closed} réunion(s) marquée(s) tenue(s)"


def drain_outbox() -> None:
    """Send the emails due now (the outbox sender); retries and leases make overlapping runs harmless."""
    recorded("drain_outbox", _drain)


def send_reminders() -> None:
    """Queue the reminders due now; each has a unique key, so a second run or process sends nothing twice."""
    recorded("send_reminders", _reminders)


def close_meetings() -> None:
    """Meetings whose end has passed become held, which closes their answer links."""
    recorded("close_meetings", _close_meetings)


JOBS: tuple[Job, ...] = (
    Job(
        name="drain_outbox",
        func=drain_outbox,
        interval={"seconds": OUTBOX_SECONDS},
        description="Envoie les courriels en attente (file d'envoi), avec reprise des échecs temporaires.",
    ),
    Job(
        name="send_reminders",
        func=send_reminders,
        interval={"minutes": 10},
        description="Relances J-7 et J-1, Rendez-vous annuels, échéances des contrats et des actions.",
    ),
    Job(
        name="close_meetings",
        func=close_meetings,
        interval={"minutes": 10},
        description="Marque « tenues » les réunions terminées et clôt leurs liens de réponse.",
    ),
)
