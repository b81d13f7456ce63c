"""GET /api/v1/health: database, outbox and scheduler state, without authentication.

If the database replies, it also tells how many emails wait, how many failed for now or for good, how late
the oldest due one is, and when each periodic job last started. 503 when the database does not answer, or
when the scheduler has stopped:

- a job that ran on this database did not start again for HEALTH_LATE_PERIODS periods plus
  HEALTH_LATE_MARGIN_SECONDS (3 × 30 s + 60 s for the outbox): its process is dead or stuck;
- the outbox job never ran, and a due email has waited longer than that same threshold. A fresh install
  (`flask run` without the scheduler, no email queued) stays at 200: nothing is harmed until an email
  waits, and its first queued email turns the missing scheduler into a 503 once it is late.

A slow queue with a running scheduler (an SMTP outage, retries) stays a 200 with figures to read: the
outage is the mail server's, not the site's. So does a mailbox that cannot be read: `mailbox` tells
its last successful poll, its failures and the messages waiting for an organiser.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import marshmallow as ma
from flask import current_app, request
from marshmallow import fields
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from concertation.api.auth import ApiBlueprint
from concertation.core.connections import flag_lost_connection
from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.followup.jobruns import JobState, job_states, stopped_jobs
from concertation.invitations.inbox_poll import mailbox_state
from concertation.notifications.models import DeliveryState, OutboxMessage
from concertation.notifications.outbox import RETRYABLE_STATES

blp = ApiBlueprint("health", __name__, description="État du service", public=True)

UNREACHABLE_MESSAGE = "La base de données ne répond pas : le service est indisponible."
STALLED_MESSAGE = (
    "Le planificateur ne tourne plus (tâche(s) en retard : {jobs}) : les courriels et les rappels ne "
    "partent pas. Redémarrez `python -m scheduler`."
)


def _last(description: str) -> fields.DateTime:
    """When something last happened: always in the answer, null if it never happened."""
    return fields.DateTime(
        required=True, allow_none=True, metadata={"description": f"{description} ; null si jamais"}
    )


def _seconds_since(what: str) -> fields.Float:
    """The age in seconds of `_last`'s moment: always in the answer, null if it never happened."""
    return fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": f"Secondes écoulées depuis {what} ; null si jamais"},
    )


class OutboxStateSchema(ma.Schema):
    en_attente = fields.Integer(required=True, metadata={"description": "Courriels en attente d'envoi"})
    echec_temporaire = fields.Integer(
        required=True, metadata={"description": "Courriels en échec temporaire, qui seront réessayés"}
    )
    refuse = fields.Integer(
        required=True, metadata={"description": "Courriels refusés définitivement par le serveur (5xx)"}
    )
    oldest_due_age_seconds = fields.Float(
        required=True,
        allow_none=True,
        metadata={
            "description": "Secondes écoulées depuis que le plus ancien courriel dû (en attente ou à "
            "réessayer, échéance passée) aurait dû partir ; null si aucun n'est dû. Quelques dizaines "
            "de secondes sont normales (le planificateur passe toutes les 30 s)."
        },
    )


class JobStateSchema(ma.Schema):
    name = fields.String(required=True, metadata={"description": "Identifiant de la tâche"})
    libelle = fields.String(required=True, metadata={"description": "Nom de la tâche en français"})
    periode_secondes = fields.Float(required=True, metadata={"description": "Période de la tâche"})
    dernier_passage = _last("Début du dernier passage")
    age_seconds = _seconds_since("le début du dernier passage")
    retard_apres_secondes = fields.Float(
        required=True,
        metadata={"description": "Âge au-delà duquel la tâche est en retard (périodes + marge)"},
    )
    en_retard = fields.Boolean(
        required=True, metadata={"description": "Vrai si la tâche ne passe plus (réponse 503)"}
    )


class MailboxStateSchema(ma.Schema):
    active = fields.Boolean(
        required=True, metadata={"description": "Vrai si la boîte est relevée (MAIL_IMAP_HOST renseigné)"}
    )
    last_success_at = _last("Dernière relève réussie")
    age_seconds = _seconds_since("la dernière relève réussie")
    failures = fields.Integer(
        required=True, metadata={"description": "Échecs de relève d'affilée (serveur injoignable, refus)"}
    )
    last_error = fields.String(required=True, metadata={"description": "Dernière erreur ; vide si aucune"})
    to_read = fields.Integer(
        required=True, metadata={"description": "Messages reçus en attente de lecture par les organisateurs"}
    )


class ServiceHealthSchema(ma.Schema):
    status = fields.String(required=True, metadata={"description": "« ok » ou « erreur »"})
    database = fields.String(required=True, metadata={"description": "« ok » ou « injoignable »"})
    scheduler = fields.String(
        metadata={"description": "« ok » ou « arrêté » (absent si la base est injoignable)"}
    )
    outbox = fields.Nested(
        OutboxStateSchema,
        metadata={"description": "État de la file d'envoi des courriels (absent si la base est injoignable)"},
    )
    mailbox = fields.Nested(
        MailboxStateSchema,
        metadata={"description": "Relève de la boîte de l'organisateur (absent si la base est injoignable)"},
    )
    jobs = fields.List(
        fields.Nested(JobStateSchema),
        metadata={
            "description": "Tâches périodiques et leur dernier passage (absent si la base est injoignable)"
        },
    )
    message = fields.String(
        metadata={"description": "Explication en français, quand le service est indisponible"}
    )
    detail = fields.String(metadata={"description": "Type de l'erreur de base de données"})


def outbox_state() -> dict[str, Any]:
    """Counts of waiting, temporarily failed and refused emails, and the lateness of the oldest due one."""
    now = now_utc()
    state = OutboxMessage.state
    due = state.in_(RETRYABLE_STATES) & (OutboxMessage.next_attempt_at <= now)
    counted = (DeliveryState.EN_ATTENTE, DeliveryState.ECHEC_TEMPORAIRE, DeliveryState.REFUSE)
    row = db.session.execute(
        select(
            *(func.count().filter(state == value) for value in counted),
            func.min(OutboxMessage.next_attempt_at).filter(due),
        ).where(state.in_(counted))
    ).one()
    values: tuple[Any, ...] = tuple(row)
    waiting, failed, refused = values[:3]
    oldest: datetime | None = values[3]
    lateness = None if oldest is None else round(max((now - oldest).total_seconds(), 0.0), 1)
    return {
        "en_attente": waiting,
        "echec_temporaire": failed,
        "refuse": refused,
        "oldest_due_age_seconds": lateness,
    }


def _job_state(state: JobState, is_late: bool) -> dict[str, Any]:
    return {
        "name": state.job.name,
        "libelle": state.job.label,
        "periode_secondes": state.job.period.total_seconds(),
        "dernier_passage": None if state.last_run is None else state.last_run.started_at,
        "age_seconds": state.age_seconds,
        "retard_apres_secondes": state.late_after_seconds,
        "en_retard": is_late,
    }


@blp.route("/health")
@blp.response(200, ServiceHealthSchema)
@blp.alt_response(
    503,
    schema=ServiceHealthSchema,
    description="Base de données injoignable, ou planificateur arrêté (une tâche ne passe plus)",
)
def health() -> tuple[dict[str, Any], int]:
    """État du service : base de données, file d'envoi des courriels et tâches du planificateur."""
    try:
        outbox = outbox_state()
        mailbox = mailbox_state(current_app.config)
        states = job_states(
            now_utc(),
            periods=current_app.config["HEALTH_LATE_PERIODS"],
            margin_seconds=current_app.config["HEALTH_LATE_MARGIN_SECONDS"],
        )
    except SQLAlchemyError as error:
        db.session.rollback()
        # A pooled connection killed under us says nothing of the database: the request runs again on a
        # fresh one (observability/retry.py) and this 503 only stands if that fails too.
        flag_lost_connection(request.environ, error)
        return {
            "status": "erreur",
            "database": "injoignable",
            "message": UNREACHABLE_MESSAGE,
            "detail": type(error).__name__,
        }, 503
    late = stopped_jobs(states, outbox["oldest_due_age_seconds"])
    body: dict[str, Any] = {
        "status": "erreur" if late else "ok",
        "database": "ok",
        "scheduler": "arrêté" if late else "ok",
        "outbox": outbox,
        "mailbox": mailbox,
        "jobs": [_job_state(state, state.job.name in late) for state in states],
    }
    if late:
        labels = ", ".join(state.job.label for state in states if state.job.name in late)
        body["message"] = STALLED_MESSAGE.format(jobs=labels)
        return body, 503
    return body, 200
