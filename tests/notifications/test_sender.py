"""The outbox sender against a real SMTP server on loopback: retries, refusals, crashes."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta

from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import func, select

from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.notifications.models import DeliveryState, OutboxMessage
from concertation.notifications.outbox import claim_due, requeue
from concertation.notifications.sender import LEASE, SmtpSettings, drain
from tests.common.db.notifications import outbox_messages
from tests.common.smtp import SmtpSink, free_port


def _settings(app: Flask) -> SmtpSettings:
    return SmtpSettings.from_config(app.config)


def _states() -> dict[str, int]:
    rows = db.session.execute(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all()
    return dict(rows)


def test_drain_delivers_each_message_once(app: Flask, smtp_server: SmtpSink) -> None:
    outbox_messages(5)
    report = drain(_settings(app))
    assert report.sent == 5
    assert _states() == {"envoye": 5}
    assert sorted(rcpt[0] for _, rcpt, _ in smtp_server.messages) == [f"elu{i}@example.org" for i in range(5)]
    parsed = email.message_from_bytes(smtp_server.messages[0][2], policy=email.policy.default)
    assert parsed["Message-ID"].startswith("<test-elu-")
    # A second drain finds nothing to do.
    assert drain(_settings(app)).sent == 0
    assert len(smtp_server.messages) == 5


def test_550_marks_only_that_recipient_refused(app: Flask, smtp_server: SmtpSink) -> None:
    smtp_server.reject["elu2@example.org"] = "550 5.1.1 Boîte inconnue"
    outbox_messages(4)
    drain(_settings(app))
    refused = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipient_email == "elu2@example.org")
    )
    assert refused is not None
    assert refused.state == DeliveryState.REFUSE
    assert refused.last_code == 550
    assert "inconnue" in refused.last_reply
    assert _states() == {"envoye": 3, "refuse": 1}
    assert len(smtp_server.messages) == 3


def test_451_is_retried_later(app: Flask, smtp_server: SmtpSink) -> None:
    smtp_server.reject["elu0@example.org"] = "451 4.3.0 Réessayez plus tard"
    outbox_messages(2)
    drain(_settings(app))
    deferred = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipient_email == "elu0@example.org")
    )
    assert deferred is not None and deferred.state == DeliveryState.ECHEC_TEMPORAIRE
    assert deferred.next_attempt_at is not None and deferred.next_attempt_at > now_utc()
    del smtp_server.reject["elu0@example.org"]
    drain(_settings(app), now=now_utc() + timedelta(hours=2))
    db.session.refresh(deferred)
    assert deferred.state == DeliveryState.ENVOYE and deferred.attempts == 2
    assert len(smtp_server.messages) == 2


def test_server_down_then_up_delivers_all_200_once(app: Flask) -> None:
    port = free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=2)
    outbox_messages(200)
    # Nobody listens on the port: every attempt fails, nothing is lost.
    for minutes in (0, 1, 3):
        report = drain(_settings(app), now=now_utc() + timedelta(minutes=minutes))
        assert report.sent == 0
    states = _states()
    assert states.get("envoye", 0) == 0 and states.get("echec_temporaire", 0) >= 100
    assert sum(states.values()) == 200
    sink = SmtpSink("127.0.0.1", port)
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        drain(_settings(app), now=now_utc() + timedelta(hours=3))
    finally:
        controller.stop()
    assert _states() == {"envoye": 200}
    recipients = [rcpt[0] for _, rcpt, _ in sink.messages]
    assert len(recipients) == 200 and len(set(recipients)) == 200


def test_crashed_sender_lease_expires_and_message_is_sent(app: Flask, smtp_server: SmtpSink) -> None:
    outbox_messages(3)
    # A sender claimed the rows, then died before sending anything.
    claimed = claim_due("dead-worker", limit=10, lease=LEASE)
    assert len(claimed) == 3
    assert drain(_settings(app)).sent == 0  # still leased
    report = drain(_settings(app), now=now_utc() + LEASE + timedelta(seconds=1))
    assert report.sent == 3
    assert len(smtp_server.messages) == 3


def test_requeue_sends_again_with_the_same_message_id(app: Flask, smtp_server: SmtpSink) -> None:
    smtp_server.reject["elu0@example.org"] = "550 non"
    (message,) = outbox_messages(1)
    drain(_settings(app))
    db.session.refresh(message)
    assert message.state == DeliveryState.REFUSE
    del smtp_server.reject["elu0@example.org"]
    requeue(message)
    db.session.commit()
    drain(_settings(app))
    db.session.refresh(message)
    assert message.state == DeliveryState.ENVOYE
    parsed = email.message_from_bytes(smtp_server.messages[-1][2], policy=email.policy.default)
    assert parsed["Message-ID"] == message.message_id


def test_two_senders_at_once_deliver_each_message_once(app: Flask, smtp_server: SmtpSink) -> None:
    import threading

    outbox_messages(120)
    settings = _settings(app)
    errors: list[BaseException] = []

    def run() -> None:
        with app.app_context():
            try:
                drain(settings, batch_size=7)
            except BaseException as error:  # noqa: BLE001 - reported to the test thread
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert _states() == {"envoye": 120}
    ids = [
        email.message_from_bytes(raw, policy=email.policy.default)["Message-ID"]
        for _, _, raw in smtp_server.messages
    ]
    assert len(ids) == 120 and len(set(ids)) == 120
