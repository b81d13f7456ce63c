"""Benchmark: 1,000 invitations delivered through the outbox, against plain smtplib over one connection.

Run from the repository root:
`.venv/bin/python bench/send.py [--messages N] [--repeat K] [--enqueue-repeat E] [--profile]`.
A fresh database is built with the migrations (SQLite in a temporary directory, or a private PostgreSQL
database when BENCH_DATABASE_URL is set) and a local SMTP sink is started (aiosmtpd Controller on a free
127.0.0.1 port, in this process; its handler counts messages and their Message-IDs). Set-up, not timed:
one intercommunality of N communes, each with a maire who has an @example.org address (bench/_dataset.py),
and E concertations on it. Then, in the same process:

- enqueue: convoke() of each meeting + commit (freeze the list, N invitations, N outbox rows with their
  MIME bytes); median of the E convocations (3 by default; one convocation of 1,000 costs ~1 s on a
  quiet 2-core machine, ~3 times more on a busy one). With --profile, the last convocation runs under
  cProfile (its time is then left out) and the profile goes to stderr. The outbox rows of all meetings
  but the first are then set aside (marked sent) so that each drain sends exactly the first meeting's
  N messages;
- project: drain() with SmtpSettings pointing at the sink (batches of 100, one connection per batch, one
  commit per message). Before each run the N rows are put back to `en_attente` (not timed);
- baseline: smtplib.SMTP to the same sink, sendmail() of the same N raw messages (bytes read from the
  outbox rows beforehand) over one connection, then QUIT.

Project and baseline run alternately, K times each; figures are medians. After every run the sink must have
received exactly N messages with N distinct Message-IDs, those of the outbox rows (asserted). Peak memory is
measured in separate, untimed runs (tracemalloc slows Python down): tracemalloc peak during one drain and
one baseline run (the sink thread's allocations included, in both), and the process's ru_maxrss at the end.
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import pstats
import re
import resource
import smtplib
import statistics
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from bench import _dataset
from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.invitations.services import convoke
from concertation.meetings.models import Meeting
from concertation.meetings.services import MeetingInput, create_meeting
from concertation.notifications.emails import MailContext
from concertation.notifications.models import DeliveryState, OutboxMessage
from concertation.notifications.sender import SmtpSettings, drain

MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(<[^>\r\n]+>)", re.MULTILINE | re.IGNORECASE)


class CountingSink:
    """aiosmtpd handler that accepts everything and keeps only a count and the Message-IDs."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.count = 0
        self.message_ids: set[str] = set()

    def reset(self) -> None:
        with self.lock:
            self.count = 0
            self.message_ids = set()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        headers = envelope.original_content.split(b"\r\n\r\n", 1)[0]
        found = MESSAGE_ID.search(headers)
        with self.lock:
            self.count += 1
            if found:
                self.message_ids.add(found.group(1).decode("ascii"))
        return "250 Message accepted"

    def check(self, expected: set[str], what: str) -> None:
        with self.lock:
            assert self.count == len(expected), f"{what}: the sink received {self.count}, not {len(expected)}"
            assert self.message_ids == expected, (
                f"{what}: {len(self.message_ids)} distinct Message-IDs received, "
                f"{len(self.message_ids ^ expected)} differ from the outbox rows"
            )


def create_meetings(siren: str, count: int) -> list[int]:
    ids = []
    for n in range(count):
        start = datetime(2027, 4, 6, 14, 0) + timedelta(days=7 * n)
        meeting = create_meeting(
            MeetingInput(
                kind="concertation",
                title=f"Concertation territoriale n° {n + 1}",
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
        ids.append(meeting.id)
    db.session.commit()
    return ids


def time_once(action: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def traced_peak(action: Callable[[], object]) -> int:
    """tracemalloc's peak (bytes) while `action` runs."""
    gc.collect()
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="drain/baseline pairs")
    parser.add_argument("--enqueue-repeat", type=int, default=3, help="convocations timed")
    parser.add_argument("--profile", action="store_true", help="cProfile one more convocation (stderr)")
    args = parser.parse_args()
    n = args.messages

    port = _dataset.free_port()
    sink = CountingSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    overrides = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_SUPPRESS_SEND": False}
    try:
        with _dataset.bench_app("bench-send-", **overrides) as app, app.app_context():
            siren = _dataset.convocation_territory(n)
            db.session.commit()
            meeting_ids = create_meetings(siren, args.enqueue_repeat + (1 if args.profile else 0))
            ctx = MailContext.from_config(app.config)
            settings = SmtpSettings.from_config(app.config)

            enqueue_runs = []
            for meeting_id in meeting_ids:
                db.session.close()
                meeting = db.session.get(Meeting, meeting_id)
                assert meeting is not None

                def enqueue(meeting: Meeting = meeting) -> None:
                    report = convoke(meeting, ctx)
                    db.session.commit()
                    assert report.emails == n and report.paper == 0, report

                if args.profile and len(enqueue_runs) == args.enqueue_repeat:
                    profiler = cProfile.Profile()
                    profiler.runcall(enqueue)
                    pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
                else:
                    enqueue_runs.append(time_once(enqueue))

            chosen = meeting_ids[0]
            db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.meeting_id != chosen)
                .values(state=DeliveryState.ENVOYE, next_attempt_at=None)
            )
            db.session.commit()
            rows = db.session.execute(
                select(OutboxMessage.sender_email, OutboxMessage.recipient_email, OutboxMessage.raw)
                .where(OutboxMessage.meeting_id == chosen)
                .order_by(OutboxMessage.id)
            ).all()
            messages = [(sender, recipient, bytes(raw)) for sender, recipient, raw in rows]
            expected_ids = set(
                db.session.scalars(select(OutboxMessage.message_id).where(OutboxMessage.meeting_id == chosen))
            )
            assert len(messages) == n and len(expected_ids) == n
            message_bytes = sum(len(raw) for _, _, raw in messages)

            def reset() -> None:
                """The chosen meeting's N messages due again, as just enqueued; the sink emptied."""
                db.session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.meeting_id == chosen)
                    .values(
                        state=DeliveryState.EN_ATTENTE,
                        attempts=0,
                        next_attempt_at=now_utc() - timedelta(seconds=1),
                        claimed_until=None,
                        claimed_by=None,
                        sent_at=None,
                        last_code=None,
                        last_reply="",
                    )
                )
                db.session.commit()
                db.session.close()
                sink.reset()

            def project() -> None:
                report = drain(settings)
                assert report.sent == n and not report.deferred and not report.refused, report.summary()

            def baseline() -> None:
                smtp = smtplib.SMTP("127.0.0.1", port, timeout=10)
                for sender, recipient, raw in messages:
                    smtp.sendmail(sender, [recipient], raw)
                smtp.quit()

            project_runs, baseline_runs = [], []
            for _ in range(args.repeat):
                reset()
                project_runs.append(time_once(project))
                sink.check(expected_ids, "project")
                reset()
                baseline_runs.append(time_once(baseline))
                sink.check(expected_ids, "baseline")

            reset()
            drain_peak = traced_peak(project)
            sink.check(expected_ids, "project (tracemalloc)")
            reset()
            baseline_peak = traced_peak(baseline)
            sink.check(expected_ids, "baseline (tracemalloc)")
            database = _dataset.dialect_name()
    finally:
        controller.stop()

    project_s = statistics.median(project_runs)
    baseline_s = statistics.median(baseline_runs)
    mib = 1024 * 1024
    result = {
        "messages": n,
        "enqueue_s": round(statistics.median(enqueue_runs), 3),
        "project_s": round(project_s, 3),
        "baseline_s": round(baseline_s, 3),
        "project_msg_per_s": round(n / project_s, 1),
        "baseline_msg_per_s": round(n / baseline_s, 1),
        "ratio": round(project_s / baseline_s, 2),
        "at_least_half_baseline_throughput": project_s / baseline_s <= 2,
        "ratio_of_minima": round(min(project_runs) / min(baseline_runs), 2),
        "distinct_message_ids_received": n,
        "drain_tracemalloc_peak_mib": round(drain_peak / mib, 2),
        "baseline_tracemalloc_peak_mib": round(baseline_peak / mib, 2),
        "maxrss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "mean_message_kib": round(message_bytes / n / 1024, 1),
        "project_runs_s": [round(t, 3) for t in project_runs],
        "baseline_runs_s": [round(t, 3) for t in baseline_runs],
        "enqueue_runs_s": [round(t, 3) for t in enqueue_runs],
        "repeat": args.repeat,
        "enqueue_repeat": args.enqueue_repeat,
        "database": database,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
