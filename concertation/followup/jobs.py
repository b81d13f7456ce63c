"""The periodic jobs: each function below is declared, with its label and period, by `@job`.

Each job is a thin piece of work: it calls one service function, which polls the database and is safe to run
twice (ARCHITECTURE.md, rule 8), and returns a one-line French summary. There is never one job per row.
The pages (Suivi), the commands (`flask jobs`) and the health check read `JOBS`; the scheduler process
(`python -m scheduler`) runs it. Nothing here imports the scheduler package.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask

log = logging.getLogger("scheduler.jobs")

# Keyword arguments that APScheduler's interval trigger accepts (and timedelta too).
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
# The organiser's mailbox is read every MAIL_IMAP_SECONDS (calendar answers, bounces, replies).
MAILBOX_SECONDS = period_seconds("MAIL_IMAP_SECONDS", 120)


Work = Callable[[Flask], str]


@dataclass(frozen=True)
class Job:
    """A job run every `interval` (interval-trigger keyword arguments, e.g. {"seconds": 30}).

    `work` runs inside an application context, commits its own transaction and returns a summary.
    """

    name: str
    label: str
    work: Work
    interval: Mapping[str, int]
    description: str

    @property
    def period(self) -> timedelta:
        return timedelta(**self.interval)


def run_recorded(app: Flask, job: Job) -> str:
    """Run `job` in the current application context, recording the run (start, end, outcome).

    The work's own transaction is committed by the work; a failure is rolled back, recorded and raised again.
    """
    from concertation.followup.jobruns import finish_run, start_run  # it reads this table

    run_id = start_run(job.name)
    try:
        detail = job.work(app)
    except Exception as error:
        log.exception("job %s failed", job.name)
        finish_run(run_id, ok=False, detail=f"{type(error).__name__}: {error}")
        raise
    finish_run(run_id, ok=True, detail=detail)
    return detail


_declared: list[Job] = []


def job(label: str, description: str, **interval: int) -> Callable[[Work], Work]:
    """Declare the decorated function as a job named after it (the name that `flask jobs run`, the job runs
    and the health check use), run every `interval` (e.g. minutes=10)."""

    def declare(work: Work) -> Work:
        _declared.append(Job(work.__name__, label, work, interval, description))
        return work

    return declare


DRAIN_OUTBOX = "drain_outbox"
POLL_MAILBOX = "poll_mailbox"
MAILBOX_OFF = "désactivée : MAIL_IMAP_HOST n'est pas renseigné"


@job(
    "Envoi des courriels",
    "Envoie les courriels en attente (file d'envoi), avec reprise des échecs temporaires.",
    seconds=OUTBOX_SECONDS,
)
def drain_outbox(app: Flask) -> str:
    from concertation.notifications.sender import SmtpSettings, drain

    report = drain(SmtpSettings.from_config(app.config))
    if report.sent or report.refused or report.deferred:
        log.info("outbox: %s", report.summary())
    return report.summary()


@job(
    "Rappels et relances",
    "Relances J-7 et J-1, Rendez-vous annuels, échéances des contrats et des actions.",
    minutes=10,
)
def send_reminders(app: Flask) -> str:
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


@job(
    "Clôture des réunions passées",
    "Marque « tenues » les réunions terminées et clôt leurs liens de réponse.",
    minutes=10,
)
def close_meetings(app: Flask) -> str:
    from concertation.core.timeutils import now_utc
    from concertation.extensions import db
    from concertation.followup.services import close_past_meetings

    closed = close_past_meetings(now_utc())
    db.session.commit()
    return f"{closed} réunion(s) marquée(s) tenue(s)"


@job("Clôture des sondages de date", "Clôt les sondages de date dont l'échéance est passée.", minutes=10)
def close_polls(app: Flask) -> str:
    from concertation.core.timeutils import now_utc
    from concertation.extensions import db
    from concertation.polls.schedule import close_due_polls

    closed = close_due_polls(now_utc())
    db.session.commit()
    return f"{closed} sondage(s) clos"


@job(
    "Relances des sondages de date",
    "Deux jours avant l'échéance d'un sondage de date, une relance (une seule) aux invités "
    "qui n'ont pas encore répondu.",
    minutes=10,
)
def poll_reminders(app: Flask) -> str:
    from concertation.core.timeutils import now_utc
    from concertation.extensions import db
    from concertation.followup.engine import FollowupSettings
    from concertation.notifications.emails import MailContext
    from concertation.polls.schedule import send_poll_reminders

    sent = send_poll_reminders(
        now_utc(),
        MailContext.from_config(app.config),
        send_from_hour=FollowupSettings.from_config(app.config).send_from_hour,
    )
    db.session.commit()
    return f"{sent} relance(s) de sondage"


@job(
    "Relève de la boîte aux lettres",
    "Lit la boîte de l'organisateur (IMAP) : réponses d'agenda, courriels non remis, "
    "réponses automatiques et messages des invités.",
    seconds=MAILBOX_SECONDS,
)
def poll_mailbox(app: Flask) -> str:
    from concertation.invitations.inbox_poll import inbox_settings, poll
    from concertation.notifications.inbox.imap import ImapSettings

    settings = ImapSettings.from_config(app.config)
    if settings is None:
        return MAILBOX_OFF
    # A failure is recorded with its backoff and raised: the run shows "erreur", the scheduler goes on.
    return poll(settings, inbox_settings(app.config)).summary()


@job(
    "Purge du journal",
    "Efface le journal au-delà de sa durée de conservation (AUDIT_RETENTION_DAYS, 1 an par défaut), "
    "les connexions mémorisées expirées et les compteurs de limitation périmés.",
    hours=6,
)
def purge_accounts(app: Flask) -> str:
    from concertation.accounts import audit, sessions, throttle
    from concertation.core.timeutils import now_utc
    from concertation.extensions import db

    now = now_utc()
    events = audit.purge(now, int(app.config.get("AUDIT_RETENTION_DAYS", 365)))
    remembered = sessions.purge_expired_remember_tokens()
    counters = throttle.purge(now, timedelta(days=1))
    db.session.commit()
    return (
        f"{events} événement(s) du journal, {remembered} connexion(s) mémorisée(s), "
        f"{counters} compteur(s) effacés"
    )


# In the order they were declared: the pages and `flask jobs list` show them so.
JOBS: tuple[Job, ...] = tuple(_declared)


def job_named(name: str) -> Job | None:
    return next((job for job in JOBS if job.name == name), None)
