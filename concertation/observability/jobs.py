"""One log line per scheduler job run (`scheduler.run`), with the run's lines tagged by job and run id.

Here rather than in scheduler/ so that a job's lines go through the same context and formatters as a
request's.
"""

from __future__ import annotations

import functools
import logging
import time
import uuid
from collections.abc import Callable

from concertation.observability.logs import log_context

job_log = logging.getLogger("scheduler.run")


def logged_job(name: str, func: Callable[[], None]) -> Callable[[], None]:
    """`func` wrapped so that each run logs one line (job, outcome, duration_ms) and tags the lines inside."""

    @functools.wraps(func)
    def run() -> None:
        started = time.perf_counter()
        outcome = "erreur"
        with log_context(job=name, job_run=uuid.uuid4().hex[:12]):
            try:
                func()
                outcome = "ok"
            finally:
                duration_ms = round((time.perf_counter() - started) * 1000, 1)
                job_log.log(
                    logging.INFO if outcome == "ok" else logging.ERROR,
                    "job %s %s in %.1f ms",
                    name,
                    outcome,
                    duration_ms,
                    extra={"event": "job", "outcome": outcome, "duration_ms": duration_ms},
                )

    return run
