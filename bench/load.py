"""Benchmark: gunicorn + PostgreSQL under a load of organisers and élus while 500 invitations are sent.

Run from the repository root: `.venv/bin/python bench/load.py` (or `make bench-load`), ~1 minute.
A private PostgreSQL database is created next to BENCH_DATABASE_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/test) and dropped afterwards, as tests/conftest.py does.

Set-up (not timed): the migrations; one intercommunality of 60 communes and one of 500, each commune with
a maire who has an @example.org address; meeting A (concertation on the first: 60 invitees) convoked, its
60 emails marked sent; meeting B (on the second: 500 invitees) left as a draft; 20 more draft meetings
for the list; organiser accounts. Then gunicorn with gunicorn.conf.py (production config, JSON logs,
--workers W, 4 by default) on a free 127.0.0.1 port and the project's SMTP catcher (aiosmtpd, one .eml
file per message) as a separate process. The load client (bench/_load_client.py) is threads with
http.client, bounded in time and in requests.

1. Closed loop, C clients (8 by default) requesting without pause, alternately R times (2 by default)
   for S seconds each (6 by default):
   - baseline: GET /api/v1/health, anonymous: one query (the outbox counts), the minimal endpoint;
   - project: GET /reunions/<A>, the meeting page of meeting A (60 invitees), logged in as an organiser.
   `ratio` = baseline throughput / meeting-page throughput (project time per request over baseline's).
2. Busy morning: O organisers (4) reading meeting A's page (70 %) or the meetings list (30 %), E élus (6)
   opening their answer link (GET /r/<token>) and answering (POST with the page's CSRF token), each with
   a 50-250 ms pause between requests; one more organiser convokes meeting B through the web form
   (500 invitations and outbox rows in one request), then `flask outbox drain` runs in a background
   process against the catcher. The phase lasts until the drain has finished and at least 15 s.

Checks (assert): every message of meeting B reaches the catcher once (500 distinct Message-IDs), every
outbox row is `envoye`, the gunicorn log has one JSON request line per request and no answer-link token
in clear. Errors (any unexpected status or failed connection) are counted, not asserted: the JSON says.
Worker memory: VmRSS of each gunicorn worker from /proc, sampled every 0.5 s in phase 2 (max kept).
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import email
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select, text, update

from bench import _dataset
from bench._load_client import (
    PROJECT_DIR,
    Gunicorn,
    Recorder,
    Scenario,
    Session,
    free_port,
    percentiles,
    run_load,
)
from concertation import create_app
from concertation.accounts.models import UserRole
from concertation.accounts.services import create_user
from concertation.extensions import db
from concertation.invitations.models import Invitation
from concertation.invitations.services import convoke
from concertation.invitations.tokens import make_token
from concertation.meetings.models import Meeting
from concertation.meetings.services import MeetingInput, create_meeting
from concertation.notifications.emails import MailContext
from concertation.notifications.models import DeliveryState, OutboxMessage
from concertation.people.models import Mandate, MandateSource, Person, Role
from concertation.territory.models import Commune, Intercommunality, IntercommunalityMembership
from config import TestConfig

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PASSWORD = "mot-de-passe-du-banc-d-essai"  # noqa: S105 - fictional accounts of a throw-away database
ANSWERS = ("present", "absent", "peut_etre", "represente")
# The convocation is one request writing 500 invitations and emails: it may take longer than a page
# (gunicorn kills a worker silent for 60 s, gunicorn.conf.py).
CONVOKE_TIMEOUT = 90.0


# ------------------------------------------------------------------------------------------------- data


def territory(invitees: int, *, siren: str, code: str, name: str) -> str:
    """One intercommunality of `invitees` communes, each with a maire who has an address; its SIREN."""
    communes = list(
        db.session.scalars(
            insert(Commune).returning(Commune.id, sort_by_parameter_order=True),
            [
                {
                    "insee_code": f"{code}{n:03d}",
                    "name": f"{name} {n}",
                    "departement_code": "98",
                    "postal_codes": "",
                }
                for n in range(invitees)
            ],
        )
    )
    epci = db.session.scalar(
        insert(Intercommunality).returning(Intercommunality.id), {"siren": siren, "name": name, "kind": "CC"}
    )
    db.session.execute(
        insert(IntercommunalityMembership),
        [
            {"intercommunality_id": epci, "commune_id": c, "starts_on": _dataset.MAP_STARTS_ON}
            for c in communes
        ],
    )
    persons = list(
        db.session.scalars(
            insert(Person).returning(Person.id, sort_by_parameter_order=True),
            [
                {
                    "civility": "Mme" if n % 2 else "M.",
                    "first_name": "Camille",
                    "last_name": f"{_dataset.LAST_NAMES[n % len(_dataset.LAST_NAMES)]}-{code}{n}",
                    "email": f"maire.{code.lower()}{n}@example.org",
                    "is_demo": False,
                }
                for n in range(invitees)
            ],
        )
    )
    mandate = {
        "starts_on": _dataset.TERM_STARTS_ON,
        "source": MandateSource.MANUAL.value,
        "function_label": "",
    }
    rows = [
        {**mandate, "person_id": p, "role": Role.MAIRE.value, "commune_id": c}
        for p, c in zip(persons, communes, strict=True)
    ]
    rows.append(
        {**mandate, "person_id": persons[0], "role": Role.PRESIDENT_EPCI.value, "intercommunality_id": epci}
    )
    db.session.execute(insert(Mandate), rows)
    return siren


def new_meeting(siren: str, title: str, days: int) -> Meeting:
    start = datetime(2027, 4, 6, 14, 0) + timedelta(days=days)
    return create_meeting(
        MeetingInput(
            kind="concertation",
            title=title,
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            purpose="diagnostic",
            intercommunality_siren=siren,
            location_name="Salle des fêtes",
            location_address="Place de la Mairie",
            agenda=["Accueil", "Diagnostic du territoire", "Projets prioritaires"],
        ),
        None,
    )


def build_dataset(app: Any, *, page_invitees: int, convocation: int, organisers: int) -> dict[str, Any]:
    """The data of both phases; returns meeting ids, answer tokens and organiser e-mails."""
    small = territory(page_invitees, siren="998000060", code="P", name="CC de la Page")
    large = territory(convocation, siren="998000500", code="Q", name="CC du Grand Envoi")
    db.session.flush()
    page = new_meeting(small, "Concertation territoriale – page de réunion", 0)
    big = new_meeting(large, "Concertation territoriale – grand envoi", 7)
    for n in range(20):
        new_meeting(small, f"Concertation territoriale n° {n + 3}", 14 + 7 * n)
    emails = [f"organisateur{n}@lozere.fr" for n in range(organisers)]
    for address in emails:
        create_user(address, PASSWORD, UserRole.ORGANISATEUR)
    db.session.commit()
    report = convoke(page, MailContext.from_config(app.config))
    db.session.commit()
    assert report.emails == page_invitees, report
    # Meeting A's invitations went out earlier: only meeting B's are sent during the load.
    db.session.execute(update(OutboxMessage).values(state=DeliveryState.ENVOYE, next_attempt_at=None))
    db.session.commit()
    invitations = db.session.scalars(select(Invitation.id).where(Invitation.meeting_id == page.id)).all()
    tokens = [make_token(app.config["SECRET_KEY"], i, page.id) for i in invitations]
    _dataset.analyze()
    return {"page": page.id, "big": big.id, "tokens": tokens, "organisers": emails}


# ------------------------------------------------------------------------------------------- scenarios


def health_loop(port: int) -> Scenario:
    def run(recorder: Recorder, stop: threading.Event) -> None:
        session = Session(port)
        while not stop.is_set() and recorder.take():
            recorder.timed(session, "baseline", "GET", "/api/v1/health", 200)

    return run


def page_loop(session: Session, meeting_id: int) -> Scenario:
    def run(recorder: Recorder, stop: threading.Event) -> None:
        while not stop.is_set() and recorder.take():
            recorder.timed(session, "page", "GET", f"/reunions/{meeting_id}", 200)

    return run


def organiser(session: Session, meeting_id: int, seed: int) -> Scenario:
    rng = random.Random(seed)

    def run(recorder: Recorder, stop: threading.Event) -> None:
        while not stop.is_set() and recorder.take():
            if rng.random() < 0.7:
                recorder.timed(session, "page", "GET", f"/reunions/{meeting_id}", 200)
            else:
                recorder.timed(session, "list", "GET", "/reunions/", 200)
            stop.wait(rng.uniform(0.05, 0.25))

    return run


def elu(port: int, tokens: list[str], seed: int) -> Scenario:
    rng = random.Random(seed)

    def run(recorder: Recorder, stop: threading.Event) -> None:
        position = 0
        while not stop.is_set() and recorder.take():
            token = tokens[position % len(tokens)]
            position += 1
            session = Session(port)  # another élu, another browser
            status, body = recorder.timed(session, "answer_get", "GET", f"/r/{token}", 200)
            found = status == 200 and _dataset_csrf(body)
            stop.wait(rng.uniform(0.05, 0.25))
            if not found or stop.is_set() or not recorder.take():
                continue
            answer = rng.choice(ANSWERS)
            form = {"answer": answer, "csrf_token": found, "comment": ""}
            form["represented_by"] = "Mme Adjointe, première adjointe" if answer == "represente" else ""
            recorder.timed(session, "answer_post", "POST", f"/r/{token}", 303, form)
            stop.wait(rng.uniform(0.05, 0.25))

    return run


def _dataset_csrf(body: bytes) -> str | None:
    from bench._load_client import CSRF

    found = CSRF.search(body.decode("utf-8", "replace"))
    return found.group(1) if found else None


# ------------------------------------------------------------------------------------------------- main


def summary(samples: list[Any], kind: str, seconds: float) -> dict[str, Any]:
    mine = [s for s in samples if s.kind == kind]
    return {
        "requests": len(mine),
        "rps": round(len(mine) / seconds, 1) if seconds else 0.0,
        **percentiles([s.seconds for s in mine if s.ok]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=8, help="closed-loop concurrency (phase 1)")
    parser.add_argument("--phase-seconds", type=float, default=6.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--organisers", type=int, default=4)
    parser.add_argument("--elus", type=int, default=6)
    parser.add_argument("--busy-min-seconds", type=float, default=15.0)
    parser.add_argument("--busy-max-seconds", type=float, default=45.0)
    parser.add_argument("--convocation", type=int, default=500)
    parser.add_argument("--page-invitees", type=int, default=60)
    parser.add_argument("--max-requests", type=int, default=100_000)
    args = parser.parse_args()
    wall_start = time.monotonic()
    server = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE)
    if not server.startswith("postgres"):
        sys.exit("bench/load.py runs against PostgreSQL: set BENCH_DATABASE_URL=postgresql+psycopg://...")

    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp_name, ExitStack() as stack:
        tmp = Path(tmp_name)
        url = _dataset._private_postgres(server, stack)
        secret = secrets.token_urlsafe(32)
        mail_port = free_port()
        app = create_app(
            TestConfig,
            SQLALCHEMY_DATABASE_URI=url,
            SECRET_KEY=secret,
            INSTANCE_PATH=tmp_name,
            PUBLIC_URL="https://concertation.lozere.fr",
        )
        from flask_migrate import upgrade

        with app.app_context():
            upgrade()
            data = build_dataset(
                app,
                page_invitees=args.page_invitees,
                convocation=args.convocation,
                organisers=max(args.clients, args.organisers) + 1,
            )
            db.session.remove()
            db.engine.dispose()

        env = {
            **os.environ,
            "CONCERTATION_ENV": "production",
            "LOG_FORMAT": "json",
            "DATABASE_URL": url,
            "SECRET_KEY": secret,
            "INSTANCE_PATH": tmp_name,
            "PUBLIC_URL": "https://concertation.lozere.fr",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(mail_port),
        }
        mail_dir = tmp / "mail"
        catcher_argv = [sys.executable, "-m", "concertation.notifications.catcher", "--host", "127.0.0.1"]
        catcher_argv += ["--port", str(mail_port), "--directory", str(mail_dir)]
        catcher = subprocess.Popen(
            catcher_argv,
            cwd=PROJECT_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        stack.callback(catcher.wait, 10)
        stack.callback(catcher.terminate)
        gunicorn = Gunicorn(env=env, workers=args.workers, log_path=tmp / "gunicorn.log")
        stack.callback(gunicorn.stop)
        gunicorn.start()
        port = gunicorn.port

        sessions = []
        for address in data["organisers"]:
            session = Session(port)
            session.login(address, PASSWORD)
            sessions.append(session)
        warm = run_load(
            [health_loop(port), page_loop(sessions[0], data["page"])], seconds=2.0, max_requests=400
        )

        # Phase 1: closed loop, baseline and project alternately.
        closed: dict[str, list[Any]] = {"baseline": [], "page": []}
        elapsed: dict[str, float] = {"baseline": 0.0, "page": 0.0}
        for _ in range(args.rounds):
            for kind in ("baseline", "page"):
                scenarios = [
                    health_loop(port) if kind == "baseline" else page_loop(sessions[n], data["page"])
                    for n in range(args.clients)
                ]
                began = time.perf_counter()
                recorder = run_load(scenarios, seconds=args.phase_seconds, max_requests=args.max_requests)
                elapsed[kind] += time.perf_counter() - began
                closed[kind].extend(recorder.samples)
                closed.setdefault(f"{kind}_errors", []).extend(recorder.errors)

        # Phase 2: the busy morning.
        busy_sessions = sessions[: args.organisers]
        convoker = sessions[args.organisers]
        rss_max: dict[int, float] = {}
        timeline: dict[str, float] = {}
        drain_holder: dict[str, subprocess.Popen[bytes]] = {}
        stop_sampling = threading.Event()

        def sample_rss() -> None:
            while not stop_sampling.wait(0.5):
                for pid, value in zip(gunicorn.worker_pids(), gunicorn.workers_rss_mib(), strict=False):
                    rss_max[pid] = max(rss_max.get(pid, 0.0), value)

        def convocation(recorder: Recorder, stop: threading.Event) -> None:
            stop.wait(1.0)
            token = convoker.csrf_token(f"/reunions/{data['big']}/invitations")
            began = time.perf_counter()
            path = f"/reunions/{data['big']}/convoquer"
            form = {"csrf_token": token}
            status, _ = recorder.timed(convoker, "convoke", "POST", path, 303, form, CONVOKE_TIMEOUT)
            timeline["convoke_s"] = time.perf_counter() - began
            if status != 303:
                return  # counted as an error: there is nothing to send
            drain_started = time.perf_counter()
            drain_holder["drain"] = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "drain"],
                cwd=PROJECT_DIR,
                env={**env, "LOG_FORMAT": "text"},
                stdout=subprocess.DEVNULL,
                stderr=(tmp / "drain.log").open("wb"),
            )
            timeline["drain_started"] = drain_started

        scenarios = [organiser(s, data["page"], n) for n, s in enumerate(busy_sessions)]
        tokens = data["tokens"]
        share = max(1, len(tokens) // args.elus)
        scenarios += [
            elu(port, tokens[n * share : (n + 1) * share] or tokens, 100 + n) for n in range(args.elus)
        ]
        scenarios.append(convocation)
        sampler = threading.Thread(target=sample_rss, daemon=True)
        sampler.start()
        busy_started = time.perf_counter()
        recorder = Recorder(args.max_requests)
        stop = threading.Event()
        threads = [threading.Thread(target=s, args=(recorder, stop), daemon=True) for s in scenarios]
        for thread in threads:
            thread.start()
        deadline = busy_started + args.busy_max_seconds
        while time.perf_counter() < deadline:
            drain = drain_holder.get("drain")
            if drain is not None and drain.poll() is not None and "drain_s" not in timeline:
                timeline["drain_s"] = time.perf_counter() - timeline["drain_started"]
            if "drain_s" in timeline and time.perf_counter() - busy_started >= args.busy_min_seconds:
                break
            time.sleep(0.05)
        stop.set()
        for thread in threads:
            thread.join(35)
        busy_seconds = time.perf_counter() - busy_started
        stop_sampling.set()
        sampler.join(2)
        drain = drain_holder.get("drain")
        if drain is not None and drain.poll() is None:
            drain.wait(60)  # the busy phase hit its limit first: the sending still counts
        if drain is not None and "drain_s" not in timeline:
            timeline["drain_s"] = time.perf_counter() - timeline["drain_started"]
        if drain is None or drain.returncode != 0:
            print((tmp / "drain.log").read_text(errors="replace")[-3000:], file=sys.stderr)
            print(recorder.errors[:5], file=sys.stderr)
            sys.exit(f"the convocation or its sending failed (drain exit code {drain and drain.returncode})")
        final_rss = gunicorn.workers_rss_mib()
        gunicorn.stop()

        # Checks: every invitation of meeting B delivered once, every request logged once, no token in clear.
        with app.app_context():
            states = dict(
                db.session.execute(
                    select(OutboxMessage.state, func.count())
                    .where(OutboxMessage.meeting_id == data["big"])
                    .group_by(OutboxMessage.state)
                ).all()
            )
            expected_ids = set(
                db.session.scalars(
                    select(OutboxMessage.message_id).where(OutboxMessage.meeting_id == data["big"])
                )
            )
            answered = db.session.scalar(
                select(func.count())
                .select_from(Invitation)
                .where(Invitation.meeting_id == data["page"], Invitation.answer != "en_attente")
            )
            db.session.execute(text("SELECT 1"))
            db.session.remove()
            db.engine.dispose()
        received = []
        for path in sorted(mail_dir.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes())
            received.append(message["Message-ID"])
        log_text = (tmp / "gunicorn.log").read_text(encoding="utf-8")
        request_lines = [
            json.loads(line)
            for line in log_text.splitlines()
            if line.startswith("{") and '"event": "request"' in line
        ]
        tokens_in_log = sum(1 for token in tokens if token in log_text)

    all_samples = [*warm.samples, *closed["baseline"], *closed["page"], *recorder.samples]
    errors = [s for s in all_samples if not s.ok]
    error_detail = [
        *warm.errors,
        *closed.get("baseline_errors", []),
        *closed.get("page_errors", []),
        *recorder.errors,
    ]
    baseline = summary(closed["baseline"], "baseline", elapsed["baseline"])
    page = summary(closed["page"], "page", elapsed["page"])
    busy = {
        kind: summary(recorder.samples, kind, busy_seconds)
        for kind in ("page", "list", "answer_get", "answer_post")
    }
    ratio = baseline["rps"] / page["rps"] if page["rps"] else float("inf")
    assert len(expected_ids) == args.convocation, len(expected_ids)
    assert states == {DeliveryState.ENVOYE.value: args.convocation}, states
    assert len(received) == args.convocation and set(received) == expected_ids, (
        len(received),
        len(set(received)),
    )
    # Every request of the client is logged (plus the logins and start-up probes), each with its id.
    assert len(request_lines) >= len(all_samples), (len(request_lines), len(all_samples))
    assert all(line.get("request_id") for line in request_lines)
    assert tokens_in_log == 0
    rss_values = list(rss_max.values()) or final_rss
    result = {
        "workers": args.workers,
        "clients": args.clients,
        "baseline_rps": baseline["rps"],
        "page_rps": page["rps"],
        "ratio": round(ratio, 2),
        "page_share_of_baseline": round(1 / ratio, 3) if ratio else 0.0,
        "at_least_30pct_of_baseline": 1 / ratio >= 0.3 if ratio else False,
        "baseline_closed_loop": baseline,
        "page_closed_loop": page,
        "busy_page_p50_ms": busy["page"]["p50_ms"],
        "busy_page_p95_ms": busy["page"]["p95_ms"],
        "busy_page_p99_ms": busy["page"]["p99_ms"],
        "p99_under_200_ms": busy["page"]["p99_ms"] < 200,
        "busy": busy,
        "busy_seconds": round(busy_seconds, 1),
        "busy_rps": round(sum(v["requests"] for v in busy.values()) / busy_seconds, 1),
        "errors": len(errors),
        "zero_errors": not errors,
        "error_samples": error_detail[:5],
        "convoke_s": round(timeline.get("convoke_s", -1.0), 2),
        "drain_s": round(timeline.get("drain_s", -1.0), 2),
        "messages_delivered": len(received),
        "distinct_message_ids": len(set(received)),
        "answers_recorded": answered,
        "worker_rss_mib_max": round(max(rss_values), 1) if rss_values else 0.0,
        "worker_rss_mib_sum": round(sum(rss_values), 1),
        "worker_rss_mib_end": final_rss,
        "request_log_lines": len(request_lines),
        "tokens_in_log": tokens_in_log,
        "database": "postgresql",
        "wall_s": round(time.monotonic() - wall_start, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
