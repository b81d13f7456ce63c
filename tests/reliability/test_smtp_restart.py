"""The SMTP server dies in the middle of a convocation's sending and comes back: none lost, none twice."""

from __future__ import annotations

import subprocess
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.notifications.models import DeliveryState, OutboxMessage
from concertation.notifications.sender import SmtpSettings, backoff, drain
from tests.common.db.invitations import big_convocation
from tests.common.processes import FLASK, Catcher, Report, process_env, wait_for

pytestmark = pytest.mark.reliability

INVITEES = 150


def _states() -> dict[str, int]:
    db.session.expire_all()
    rows = db.session.execute(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all()
    return {str(state): n for state, n in rows}


def test_smtp_server_killed_and_restarted_during_a_convocation(
    app: Flask, database_url: str, tmp_path: Path, report: Report
) -> None:
    """Serveur SMTP arrêté brutalement puis relancé pendant l'envoi d'une convocation"""
    meeting = big_convocation(app, INVITEES)
    expected = set(db.session.scalars(select(OutboxMessage.message_id)))
    assert len(expected) == INVITEES
    catcher = Catcher(tmp_path / "mail")
    catcher.start()
    env = process_env(app, database_url, tmp_path, MAIL_PORT=str(catcher.port))
    try:
        # 1. `flask outbox drain` sends; the server is killed (SIGKILL) once a fifth of the mail is in.
        drain_process = subprocess.Popen(
            [*FLASK, "outbox", "drain"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        try:
            assert wait_for(lambda: catcher.count() >= INVITEES // 5, 20), "the sending did not start"
            catcher.kill()
            at_kill = catcher.count()
            output, _ = drain_process.communicate(timeout=20)
        finally:
            if drain_process.poll() is None:
                drain_process.kill()
        after_kill = _states()
        report.add(
            f"convocation de {INVITEES} invités (réunion {meeting.id}) ; `flask outbox drain` lancé ; "
            f"serveur SMTP tué (SIGKILL) après {at_kill} courriels reçus"
        )
        report.add(
            f"l'expéditeur s'arrête proprement (code {drain_process.returncode}) : "
            f"« {output.decode('utf-8', 'replace').strip().splitlines()[0]} » ; états : {after_kill}"
        )
        assert drain_process.returncode == 0
        assert sum(after_kill.values()) == INVITEES, "an outbox row disappeared"
        assert after_kill.get("envoye", 0) == at_kill, "a message counted as sent never reached the server"
        failed = after_kill.get("echec_temporaire", 0)
        assert failed >= 1

        # 2. The scheduler's next pass while the server is still down (the sender in this process,
        # as the scheduler runs it): connection refused, nothing lost, the attempt is recorded.
        settings = SmtpSettings.from_config({**app.config, "MAIL_PORT": catcher.port})
        down = drain(settings)
        report.add(f"nouvel essai pendant la panne : {down.summary()} ; états : {_states()}")
        assert sum(_states().values()) == INVITEES and down.sent == 0

        # 3. The server comes back on the same port; a pass right away finds nothing due: the rows
        # wait for their backoff (30 s after the first failure, 1 min after the second).
        catcher.start()
        back = drain(settings)
        report.add(f"serveur relancé, passage immédiat : {back.summary()} ; états : {_states()}")
        waiting = db.session.scalar(
            select(func.min(OutboxMessage.next_attempt_at)).where(
                OutboxMessage.state == DeliveryState.ECHEC_TEMPORAIRE
            )
        )

        # 4. The scheduler's next passes, once the longest backoff so far has run out (time moved
        # forward through the sender's `now`, not waited for).
        later = now_utc() + backoff(3) + timedelta(seconds=1)
        passes = 0
        while _states().get("envoye", 0) < INVITEES and passes < 5:
            drain(settings, now=later)
            passes += 1
        final = _states()
        received = catcher.message_ids()
        copies = Counter(received)
        twice = sorted(mid for mid, n in copies.items() if n > 1)
        attempts = db.session.scalar(select(func.max(OutboxMessage.attempts)))
        report.add(
            f"reprise après le délai (prochain essai prévu à {waiting:%H:%M:%S} UTC, simulé) en {passes} "
            f"passage(s) : états {final} ; au plus {attempts} tentatives pour un même courriel"
        )
        report.add(
            f"reçus par le serveur : {len(received)} courriels, {len(copies)} Message-ID distincts, "
            f"{len(twice)} reçu(s) deux fois, {len(expected - set(copies))} perdu(s)"
        )
        assert final == {"envoye": INVITEES}
        assert set(copies) == expected, "lost or unknown messages"
        assert not twice, f"delivered twice: {twice}"
    finally:
        catcher.stop()
