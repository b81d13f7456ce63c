"""The scheduler process is killed (SIGKILL) in the middle of sending, then started again: nothing lost."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.notifications.models import DeliveryState, OutboxMessage
from concertation.notifications.sender import LEASE, RESULT_CHUNK, SmtpSettings, drain
from tests.common.db.invitations import big_convocation
from tests.common.processes import Catcher, Report, Scheduler, process_env, wait_for

pytestmark = pytest.mark.reliability

INVITEES = 300


def _count(*conditions: object) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(*conditions)) or 0  # type: ignore[arg-type]


def _job_lines(log: Path) -> list[dict[str, object]]:
    lines = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("{"):
            parsed = json.loads(line)
            if parsed.get("event") == "job":
                lines.append(parsed)
    return lines


def test_scheduler_killed_while_sending_then_restarted(
    app: Flask, database_url: str, tmp_path: Path, report: Report
) -> None:
    """Planificateur tué (SIGKILL) au milieu d'un envoi, puis relancé"""
    big_convocation(app, INVITEES)
    expected = set(db.session.scalars(select(OutboxMessage.message_id)))
    catcher = Catcher(tmp_path / "mail")
    catcher.start()
    env = process_env(app, database_url, tmp_path, MAIL_PORT=str(catcher.port))
    first = Scheduler(env, tmp_path / "scheduler-1.log")
    second = Scheduler(env, tmp_path / "scheduler-2.log")
    try:
        # 1. The scheduler drains at start; it is killed once a fifth of the mail is in.
        first.start()
        assert wait_for(lambda: catcher.count() >= INVITEES // 5, 25), "the scheduler did not start sending"
        first.kill()
        delivered = catcher.count()
        sent = _count(OutboxMessage.state == DeliveryState.ENVOYE)
        now = now_utc()
        leased = _count(OutboxMessage.state == DeliveryState.EN_ATTENTE, OutboxMessage.claimed_until > now)
        free = _count(
            OutboxMessage.state == DeliveryState.EN_ATTENTE,
            (OutboxMessage.claimed_until.is_(None)) | (OutboxMessage.claimed_until <= now),
        )
        report.add(
            f"convocation de {INVITEES} invités ; `python -m scheduler` tué (SIGKILL) pendant l'envoi : "
            f"{delivered} courriels reçus par le serveur, {sent} enregistrés « envoyé »"
        )
        report.add(
            f"lignes restées en attente : {leased} sous le bail du processus tué (5 min), {free} libres ; "
            f"{delivered - sent} courriel(s) parti(s) sans que le résultat soit écrit (écriture par lots de "
            f"{RESULT_CHUNK})"
        )
        assert _count() == INVITEES, "an outbox row disappeared"
        assert 0 <= delivered - sent <= RESULT_CHUNK

        # 2. A new scheduler process: it drains at start and sends every row that is not leased.
        second.start()
        assert wait_for(lambda: any(j["job"] == "drain_outbox" for j in _job_lines(second.log_path)), 25), (
            second.log_path.read_text()[-2000:]
        )
        run = next(j for j in _job_lines(second.log_path) if j["job"] == "drain_outbox")
        after_restart = _count(OutboxMessage.state == DeliveryState.ENVOYE)
        report.add(
            f"planificateur relancé : son premier passage (ligne de journal JSON : outcome={run['outcome']}, "
            f"{run['duration_ms']} ms) porte les envois à {after_restart} ; "
            f"{INVITEES - after_restart} attendent la fin du bail"
        )
        assert run["outcome"] == "ok"
        assert after_restart == INVITEES - leased
        second.stop()
        assert second.process is not None and second.process.returncode == 0

        # 3. Five minutes later (the sender's `now` moved forward), the leased rows go too.
        drain(
            SmtpSettings.from_config({**app.config, "MAIL_PORT": catcher.port}),
            now=now + LEASE + timedelta(seconds=1),
        )
        final = _count(OutboxMessage.state == DeliveryState.ENVOYE)
        copies = Counter(catcher.message_ids())
        twice = [mid for mid, n in copies.items() if n > 1]
        report.add(
            f"après le bail : {final}/{INVITEES} « envoyé » ; le serveur a reçu {sum(copies.values())} "
            f"courriels, {len(copies)} Message-ID distincts ; {len(expected - set(copies))} perdu(s), "
            f"{len(twice)} reçu(s) deux fois (mêmes octets : même Message-ID, même UID et SEQUENCE "
            "d'agenda, donc un seul événement dans l'agenda de l'élu)"
        )
        assert final == INVITEES
        assert set(copies) == expected, "lost or unknown messages"
        assert len(twice) == delivered - sent, "only the messages sent but not recorded may go twice"
    finally:
        first.kill()
        second.stop()
        catcher.stop()
