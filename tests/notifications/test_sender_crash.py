"""A sender process killed mid-batch: nothing is lost, at most the message in flight repeats."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import func, select

from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.notifications.models import DeliveryState, OutboxMessage
from concertation.notifications.sender import LEASE, RESULT_CHUNK, SmtpSettings, drain
from tests.common.db.notifications import outbox_messages
from tests.common.smtp import SmtpSink, free_port

ROOT = Path(__file__).resolve().parents[2]


class SlowSink(SmtpSink):
    """Accepts each message after a pause, so that a kill lands in the middle of the batch."""

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        await asyncio.sleep(0.05)
        return await super().handle_DATA(server, session, envelope)


def test_killed_sender_loses_nothing(app: Flask) -> None:
    port = free_port()
    sink = SlowSink("127.0.0.1", port)
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        outbox_messages(60)
        env = {
            **os.environ,
            "CONCERTATION_ENV": "production",
            "SECRET_KEY": "crash-test",
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(port),
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "drain", "--batch-size", "20"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while len(sink.messages) < 15 and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        delivered_before = len(sink.messages)
        assert 15 <= delivered_before < 60, process.stderr.read() if process.stderr else ""

        db.session.expire_all()
        # The killed sender's lease keeps its rows for a while; after it expires a new sender takes over.
        drain(
            SmtpSettings.from_config({**app.config, "MAIL_PORT": port}),
            now=now_utc() + LEASE + timedelta(seconds=5),
        )
        time.sleep(0.2)
    finally:
        controller.stop()

    states = dict(
        db.session.execute(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all()
    )
    assert states == {DeliveryState.ENVOYE.value: 60}
    recipients = [rcpt[0] for _, rcpt, _ in sink.messages]
    assert set(recipients) == {f"elu{i}@example.org" for i in range(60)}
    # Only messages sent since the sender's last write can go twice, with the same Message-ID.
    assert len(recipients) - 60 <= RESULT_CHUNK
