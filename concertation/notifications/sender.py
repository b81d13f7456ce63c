"""The outbox sender: one SMTP connection per batch, a timeout on every operation, per-recipient results.

Flask-Mail holds the SMTP settings (MAIL_*), but its connection has no timeout and reports neither
per-recipient codes nor 4xx/5xx distinctions, so the sender talks to smtplib directly.
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.notifications.addresses import UnwritableAddress, ascii_address
from concertation.notifications.models import DeliveryState, OutboxMessage
from concertation.notifications.outbox import RETRYABLE_STATES, backoff, claim_due

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 15
LEASE = timedelta(minutes=5)
# Results written per transaction; also the most messages a crashed sender can send twice.
RESULT_CHUNK = 10


@dataclass
class DrainReport:
    sent: int = 0
    refused: int = 0
    deferred: int = 0
    batches: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"{self.sent} envoyé(s), {self.refused} refusé(s), {self.deferred} reporté(s)"


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    timeout: float
    use_tls: bool = False
    use_ssl: bool = False
    username: str | None = None
    password: str | None = None
    # MAIL_BOUNCE_ADDRESS: the envelope sender becomes "local+<outbox id>@domain", so that a bounce
    # names the failed message even when it returns none of its headers.
    bounce_address: str = ""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSettings:
        return cls(
            host=config["MAIL_SERVER"],
            port=int(config["MAIL_PORT"]),
            timeout=float(config.get("MAIL_TIMEOUT", 10)),
            use_tls=bool(config.get("MAIL_USE_TLS")),
            use_ssl=bool(config.get("MAIL_USE_SSL")),
            username=config.get("MAIL_USERNAME"),
            password=config.get("MAIL_PASSWORD"),
            bounce_address=str(config.get("MAIL_BOUNCE_ADDRESS") or ""),
        )


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    if settings.use_ssl:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        if settings.use_tls:
            smtp.starttls(context=ssl.create_default_context())
    if settings.username and settings.password:
        smtp.login(settings.username, settings.password)
    return smtp


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def drain(settings: SmtpSettings, *, batch_size: int = 100, now: datetime | None = None) -> DrainReport:
    """Send every message due now, batch after batch, each result committed as soon as it is known."""
    report = DrainReport()
    worker = worker_name()
    while True:
        ids = claim_due(worker, limit=batch_size, lease=LEASE, now=now)
        if not ids:
            return report
        report.batches += 1
        if not _send_batch(settings, ids, report, now):
            return report  # the server is unreachable: the rest waits for its backoff


@dataclass
class _Result:
    """What the SMTP server said about one message, written back in chunks."""

    message_id: int
    attempts: int
    code: int | None
    reply: str
    # Refused here, before any SMTP exchange (an address no envelope can carry).
    is_unwritable: bool = False


def _send_batch(settings: SmtpSettings, ids: list[int], report: DrainReport, now: datetime | None) -> bool:
    """Send a leased batch over one connection.

    Rows are read once as plain columns and results are written back every RESULT_CHUNK messages:
    a commit per message costs more than the SMTP exchange itself. If the process dies, the messages
    sent since the last write are sent again after the lease expires, with the same Message-ID.
    """
    rows = db.session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.sender_email,
            OutboxMessage.recipient_email,
            OutboxMessage.raw,
            OutboxMessage.attempts,
        )
        .where(OutboxMessage.id.in_(ids), OutboxMessage.state.in_(RETRYABLE_STATES))
        .order_by(OutboxMessage.id)
    ).all()
    db.session.commit()  # no transaction stays open during the SMTP exchanges
    try:
        smtp = _connect(settings)
    except (OSError, smtplib.SMTPException) as error:
        _defer_all(ids, None, f"Connexion SMTP impossible : {error}", report, now)
        return False
    results: list[_Result] = []
    try:
        for position, (message_id, sender, recipient, raw, attempts) in enumerate(rows):
            try:
                envelope = _envelope(_return_path(settings, message_id, sender), recipient, raw)
            except UnwritableAddress as error:
                results.append(_Result(message_id, attempts, None, str(error), is_unwritable=True))
                continue
            try:
                refused = smtp.sendmail(*envelope)
            except smtplib.SMTPRecipientsRefused as error:
                code, text = next(iter(error.recipients.values()))
                results.append(_Result(message_id, attempts, code, _decode(text)))
            except smtplib.SMTPResponseException as error:
                results.append(_Result(message_id, attempts, error.smtp_code, _decode(error.smtp_error)))
                if error.smtp_code == 421:
                    _write(results, report, now)
                    _defer_all(
                        [r[0] for r in rows[position + 1 :]],
                        421,
                        "Serveur SMTP indisponible (421)",
                        report,
                        now,
                    )
                    return False
            except (OSError, smtplib.SMTPServerDisconnected) as error:
                results.append(_Result(message_id, attempts, None, f"Connexion interrompue : {error}"))
                _write(results, report, now)
                _defer_all(
                    [r[0] for r in rows[position + 1 :]], None, "Connexion SMTP interrompue", report, now
                )
                return False
            else:
                if refused:
                    code, text = next(iter(refused.values()))
                    results.append(_Result(message_id, attempts, code, _decode(text)))
                else:
                    results.append(_Result(message_id, attempts, 250, "Accepté par le serveur"))
            if len(results) >= RESULT_CHUNK:
                _write(results, report, now)
        _write(results, report, now)
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return True


def _envelope(sender: str, recipient: str, raw: bytes) -> tuple[str, list[str], bytes]:
    """MAIL FROM, RCPT TO and data, the addresses in ASCII (IDNA domain) as in the headers."""
    envelope = ascii_address(sender), [ascii_address(recipient)], raw
    if not raw:
        # Recorded refused when it was written; "renvoyer" does not make it writable.
        raise UnwritableAddress("Courriel impossible à écrire pour ce destinataire : il n'a pas été envoyé.")
    return envelope


def _return_path(settings: SmtpSettings, message_id: int, sender: str) -> str:
    if not settings.bounce_address or "@" not in settings.bounce_address:
        return sender
    local, domain = settings.bounce_address.rsplit("@", 1)
    return f"{local}+{message_id}@{domain}"


def _decode(text: bytes | str) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else text


def _write(results: list[_Result], report: DrainReport, now: datetime | None) -> None:
    """Record a chunk of results in one transaction and empty the list."""
    if not results:
        return
    moment = now or now_utc()
    values: list[dict[str, Any]] = []
    for result in results:
        attempts = result.attempts + 1
        row: dict[str, Any] = {
            "id": result.message_id,
            "attempts": attempts,
            "last_code": result.code,
            "last_reply": result.reply[:1000],
            "claimed_until": None,
        }
        if result.code == 250:
            row.update(state=DeliveryState.ENVOYE, sent_at=moment, next_attempt_at=None)
            report.sent += 1
        elif result.is_unwritable or (result.code is not None and 500 <= result.code < 600):
            # 5xx: permanent for this recipient; the others go on.
            row.update(state=DeliveryState.REFUSE, next_attempt_at=None)
            report.refused += 1
            log.warning("outbox %s refused: %s %s", result.message_id, result.code, result.reply)
        else:
            # 4xx or no answer: retried with backoff.
            retry_at = moment + backoff(attempts) if attempts < MAX_ATTEMPTS else None
            row.update(state=DeliveryState.ECHEC_TEMPORAIRE, next_attempt_at=retry_at)
            report.deferred += 1
        values.append(row)
    try:
        db.session.execute(update(OutboxMessage), values)
        db.session.commit()
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        # The database dropped the connection (restart): the update is by id, so it is safe to repeat
        # once on a fresh connection rather than leaving sent messages leased until the lease expires.
        db.session.rollback()
        db.session.execute(update(OutboxMessage), values)
        db.session.commit()
    results.clear()


def _defer_all(
    ids: list[int], code: int | None, reply: str, report: DrainReport, now: datetime | None
) -> None:
    """Record the same failure for every still-retryable message of `ids` (server unreachable)."""
    rows = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.attempts).where(
            OutboxMessage.id.in_(ids), OutboxMessage.state.in_(RETRYABLE_STATES)
        )
    ).all()
    _write([_Result(message_id, attempts, code, reply) for message_id, attempts in rows], report, now)
    report.errors.append(reply)
