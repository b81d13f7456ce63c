"""PostgreSQL goes away under load: every connection of the application is terminated, twice.

The machine's PostgreSQL server is shared, so it is not restarted: what the application sees of a restart
is the same, every connection closed by the server (`pg_terminate_backend` of each backend of the private
test database). Meanwhile gunicorn serves organisers and élus, and `flask outbox drain` sends a convocation.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import create_engine, func, make_url, select, text
from sqlalchemy.pool import NullPool

from concertation.accounts.models import User, UserRole
from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.invitations.models import Invitation
from concertation.invitations.tokens import make_token
from concertation.notifications.models import DeliveryState, OutboxMessage
from concertation.notifications.sender import LEASE, RESULT_CHUNK, SmtpSettings, backoff, drain
from tests.common.db.accounts import TEST_PASSWORD
from tests.common.db.invitations import big_convocation
from tests.common.processes import CSRF, FLASK, Gunicorn, HttpSession, Report, process_env
from tests.common.smtp import free_port

pytestmark = pytest.mark.reliability

INVITEES = 120
LOAD_SECONDS = 8.0
EVENTS_AT = (2.0, 4.5)  # seconds into the load
SETTLE_SECONDS = 0.5  # after the last event, every request must succeed


class SlowSink:
    """An SMTP server that takes 25 ms per message, so that the sending spans the database events."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.message_ids: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        await asyncio.sleep(0.025)
        for line in envelope.original_content.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                with self.lock:
                    self.message_ids.append(line.split(b":", 1)[1].strip().decode())
                break
        return "250 OK"


@dataclass(frozen=True)
class Hit:
    at: float  # seconds since the load started
    kind: str
    status: int  # 0: no HTTP answer
    request_id: str


def _terminate_backends(database_url: str) -> int:
    """Close every connection of the application to its database, as a PostgreSQL restart does."""
    name = make_url(database_url).database
    engine = create_engine(database_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            ).all()
    finally:
        engine.dispose()
    return sum(1 for (done,) in rows if done)


def _load(port: int, tokens: list[str], meeting_id: int, organiser: str, stop: threading.Event) -> list[Hit]:
    hits: list[Hit] = []
    lock = threading.Lock()
    started = time.monotonic()

    def record(
        kind: str, session: HttpSession, method: str, path: str, form: Any = None
    ) -> tuple[int, bytes]:
        try:
            status, body, request_id = session.request_with_id(method, path, form)
        except OSError:
            status, body, request_id = 0, b"", ""
        with lock:
            hits.append(Hit(time.monotonic() - started, kind, status, request_id))
        return status, body

    def organiser_loop() -> None:
        session = HttpSession(port)
        session.login(organiser, TEST_PASSWORD)
        for n in range(10_000):
            if stop.is_set():
                return
            if n % 2:
                record("page", session, "GET", f"/reunions/{meeting_id}")
            else:
                record("list", session, "GET", "/reunions/")

    def elu_loop(offset: int) -> None:
        for n in range(10_000):
            if stop.is_set():
                return
            session = HttpSession(port)
            token = tokens[(offset + n) % len(tokens)]
            status, body = record("answer_get", session, "GET", f"/r/{token}")
            found = CSRF.search(body.decode("utf-8", "replace"))
            if status == 200 and found:
                form = {"answer": "present", "csrf_token": found.group(1)}
                record("answer_post", session, "POST", f"/r/{token}", form)

    def health_loop() -> None:
        session = HttpSession(port)
        for _ in range(10_000):
            if stop.wait(0.05):
                return
            record("health", session, "GET", "/api/v1/health")

    workers: list[Callable[[], None]] = [organiser_loop, organiser_loop, health_loop]
    workers += [lambda offset=offset: elu_loop(offset) for offset in (0, len(tokens) // 2)]
    threads = [threading.Thread(target=w, daemon=True) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(LOAD_SECONDS + 30)
    return hits


def _expected_status(kind: str) -> int:
    return 303 if kind == "answer_post" else 200


def _log_lines(log: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines()
        if line.startswith("{")
    ]


def _cause(exc_info: str) -> str:
    """The exception, the SQL statement and the project's innermost frame of a logged traceback."""
    lines = exc_info.splitlines()
    error = next(
        (x for x in lines if x.startswith(("sqlalchemy.exc.", "psycopg."))), lines[-1] if lines else ""
    )
    sql = next((x for x in lines if x.startswith("[SQL:")), "")
    frames = [x.strip() for x in lines if "/concertation/" in x and x.strip().startswith("File")]
    return " | ".join(part[:160] for part in (error, sql, frames[-1] if frames else "") if part)


def test_postgresql_connections_killed_under_load(
    app: Flask, database_url: str, tmp_path: Path, report: Report, make_user: Callable[..., User]
) -> None:
    """PostgreSQL « redémarré » sous charge : toutes les connexions de l'application coupées deux fois"""
    if not database_url.startswith("postgresql"):
        pytest.skip(
            "needs PostgreSQL (TEST_DATABASE_URL): the fault is pg_terminate_backend on its connections"
        )
    meeting = big_convocation(app, INVITEES)
    meeting_id = meeting.id
    organiser = make_user(UserRole.ORGANISATEUR).email
    invitations = db.session.scalars(select(Invitation.id).where(Invitation.meeting_id == meeting_id)).all()
    tokens = [make_token(app.config["SECRET_KEY"], i, meeting_id) for i in invitations]
    expected = set(db.session.scalars(select(OutboxMessage.message_id)))
    db.session.remove()

    sink = SlowSink()
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    env = process_env(app, database_url, tmp_path, MAIL_PORT=str(smtp_port))
    server = Gunicorn(env, tmp_path / "gunicorn.log", workers=2)
    drain_log = tmp_path / "drain.log"
    try:
        server.start()
        stop = threading.Event()
        hits_holder: list[list[Hit]] = []
        loader = threading.Thread(
            target=lambda: hits_holder.append(_load(server.port, tokens, meeting_id, organiser, stop)),
            daemon=True,
        )
        loader.start()
        started = time.monotonic()
        time.sleep(1.0)
        with drain_log.open("wb") as log:
            sender = subprocess.Popen([*FLASK, "outbox", "drain"], env=env, stdout=log, stderr=log)
        events = []
        for at in EVENTS_AT:
            time.sleep(max(0.0, at - (time.monotonic() - started)))
            events.append((round(time.monotonic() - started, 2), _terminate_backends(database_url)))
        time.sleep(max(0.0, LOAD_SECONDS - (time.monotonic() - started)))
        stop.set()
        loader.join(40)
        sender.wait(60)
        hits = hits_holder[0]
    finally:
        server.stop()
        controller.stop()

    last_event = events[-1][0]
    failed = [h for h in hits if h.status != _expected_status(h.kind)]
    after = [h for h in hits if h.at >= last_event + SETTLE_SECONDS]
    failed_after = [h for h in after if h.status != _expected_status(h.kind)]
    logged = _log_lines(tmp_path / "gunicorn.log")
    errors = {line.get("request_id", ""): line for line in logged if "exc_info" in line}
    retried = {line["request_id"]: line for line in logged if line.get("event") == "retry"}
    unknown_commits = {line["request_id"] for line in logged if line.get("event") == "unknown_commit"}
    finals = {line["request_id"]: line for line in logged if line.get("event") == "request"}
    report.add(
        f"charge de {LOAD_SECONDS:.0f} s sur gunicorn (2 workers) : 2 organisateurs (page de la réunion de "
        f"{INVITEES} invités, liste), 2 élus (lien de réponse, GET puis POST), la santé toutes les 50 ms ; "
        f"`flask outbox drain` envoie la convocation ({INVITEES} courriels, serveur SMTP à 25 ms par message)"
    )
    for at, killed in events:
        report.add(
            f"à t = {at} s : {killed} connexion(s) de l'application terminée(s) par pg_terminate_backend"
        )
    report.add(
        f"{len(hits)} requêtes, statuts : {dict(sorted(Counter(h.status for h in hits).items()))} ; "
        f"{len(failed)} en erreur, dont {len(failed_after)} plus de {SETTLE_SECONDS} s après la dernière "
        "coupure"
    )
    for hit in failed:
        cause = _cause(errors.get(hit.request_id, {}).get("exc_info", "")) or "(pas de trace dans le journal)"
        report.add(f"  t = {hit.at:.2f} s {hit.kind} → {hit.status} : {cause}")
    report.add(
        f"{len(unknown_commits)} requête(s) coupée(s) pendant leur COMMIT : page 503 « il a pu aboutir ou "
        "non », non rejouée(s)"
    )
    report.add(
        f"{len(retried)} requête(s) rejouée(s) par l'application (connexion perdue avant tout COMMIT) ; "
        "sans ce rejeu, chacune aurait été une page 500"
    )
    for request_id, warning in retried.items():
        served = finals.get(request_id, {})
        # A view's failure is logged by Flask; a failed teardown ROLLBACK only by the retry warning.
        first_try = _cause(errors.get(request_id, {}).get("exc_info", "")) or _cause(
            warning.get("exc_info", "")
        )
        report.add(
            f"  {served.get('method')} {served.get('endpoint')} → {served.get('status')} au dernier essai "
            f"(attempts={served.get('attempts')}) ; 1er essai : {first_try}"
        )
    sender_output = drain_log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    report.add(
        f"expéditeur : code {sender.returncode}, « {(sender_output or [''])[-1][:200]} » ; "
        f"{len(sink.message_ids)} courriels reçus pendant la charge"
    )

    # No lost invitation: every row is there; what the crashed or interrupted sender left goes out later.
    with app.app_context():
        rows = db.session.scalar(select(func.count()).select_from(OutboxMessage))
        states = dict(
            db.session.execute(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all()
        )
        report.add(f"après la charge : {rows} lignes dans la file, états {states}")
        later = now_utc() + max(LEASE, backoff(2)) + timedelta(seconds=1)
        settings = SmtpSettings.from_config({**app.config, "MAIL_PORT": smtp_port})
        controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        try:
            for _ in range(3):
                drain(settings, now=later)
        finally:
            controller.stop()
        final = dict(
            db.session.execute(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all()
        )
    copies = Counter(sink.message_ids)
    twice = [mid for mid, n in copies.items() if n > 1]
    report.add(
        f"reprise (bail et délais écoulés, simulés) : états {final} ; {len(copies)} Message-ID distincts "
        f"reçus, {len(expected - set(copies))} perdu(s), {len(twice)} reçu(s) deux fois"
    )
    assert rows == INVITEES
    assert final == {DeliveryState.ENVOYE.value: INVITEES}
    assert set(copies) == expected
    assert len(twice) <= RESULT_CHUNK
    assert after and not failed_after, failed_after
    assert all(finals[rid]["attempts"] >= 2 and finals[rid]["status"] < 500 for rid in retried)
    assert all(h.status != 0 for h in hits), "a request got no HTTP answer at all"
    # A connection cut during a COMMIT leaves its outcome unknown: the page says so (503), never a 500.
    server_errors = [h for h in failed if h.status >= 500 and h.request_id not in unknown_commits]
    assert not server_errors, f"{len(server_errors)} error page(s) during the events: see the report"
