"""The bounded HTTP load client of bench/load.py, and the processes it drives.

- `Session`: one simulated person on loopback (http.client, a cookie jar, the CSRF token of a page);
- `run_load()`: threads, each running its own scenario until a deadline or a request budget runs out,
  every request timed and its status checked (`Sample`);
- `Gunicorn`: the production server started from gunicorn.conf.py on a free 127.0.0.1 port;
- `percentiles()`, `worker_rss()` (from /proc) and `free_port()`.

Nothing here talks to anything but 127.0.0.1, and every loop is bounded in time and in requests.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
REQUEST_TIMEOUT = 30.0
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PROJECT_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Sample:
    kind: str
    status: int  # 0: no answer (connection refused, reset, timeout)
    seconds: float
    ok: bool
    started: float  # time.monotonic() when sent


class Session:
    """One person: a cookie jar and a fresh connection per request (gunicorn's sync workers close it)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: Mapping[str, str] | None = None, timeout: float = REQUEST_TIMEOUT
    ) -> tuple[int, dict[str, str], bytes]:
        headers = {"Host": f"{HOST}:{self.port}", "User-Agent": "concertation-bench"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key.strip()] = rest.split(";", 1)[0]
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        finally:
            connection.close()

    def csrf_token(self, path: str) -> str:
        status, _, body = self.request("GET", path)
        found = CSRF.search(body.decode("utf-8", "replace"))
        if status != 200 or not found:
            raise RuntimeError(f"no CSRF token on {path} ({status})")
        return found.group(1)

    def login(self, email: str, password: str) -> None:
        token = self.csrf_token("/connexion")
        status, _, _ = self.request(
            "POST", "/connexion", {"email": email, "password": password, "csrf_token": token}
        )
        if status != 303:
            raise RuntimeError(f"login of {email} failed ({status})")


class Recorder:
    """Samples from every thread, and a shared request budget."""

    def __init__(self, max_requests: int) -> None:
        self.lock = threading.Lock()
        self.samples: list[Sample] = []
        self.errors: list[str] = []
        self.remaining = max_requests

    def take(self) -> bool:
        with self.lock:
            if self.remaining <= 0:
                return False
            self.remaining -= 1
            return True

    def timed(
        self,
        session: Session,
        kind: str,
        method: str,
        path: str,
        expected: int,
        form: Mapping[str, str] | None = None,
        timeout: float = REQUEST_TIMEOUT,
    ) -> tuple[int, bytes]:
        started = time.monotonic()
        begin = time.perf_counter()
        try:
            status, _, body = session.request(method, path, form, timeout)
        except OSError as error:
            status, body = 0, b""
            detail = f"{kind}: {type(error).__name__}: {error}"
        else:
            detail = f"{kind}: HTTP {status} (attendu {expected})"
        seconds = time.perf_counter() - begin
        ok = status == expected
        with self.lock:
            self.samples.append(Sample(kind, status, seconds, ok, started))
            if not ok and len(self.errors) < 50:
                self.errors.append(detail)
        return status, body


Scenario = Callable[[Recorder, threading.Event], None]


def run_load(scenarios: list[Scenario], *, seconds: float, max_requests: int) -> Recorder:
    """Run each scenario in its own thread until `seconds` pass or `max_requests` are spent."""
    recorder = Recorder(max_requests)
    stop = threading.Event()
    threads = [threading.Thread(target=s, args=(recorder, stop), daemon=True) for s in scenarios]
    for thread in threads:
        thread.start()
    stop.wait(seconds)
    stop.set()
    for thread in threads:
        thread.join(REQUEST_TIMEOUT + 5)
    return recorder


def percentiles(values: list[float]) -> dict[str, float]:
    """p50, p95, p99 and max in milliseconds (nearest-rank on the sorted values)."""
    if not values:
        return {"p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}
    ordered = sorted(values)

    def rank(q: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))] * 1000

    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(rank(0.95), 1),
        "p99_ms": round(rank(0.99), 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


# ------------------------------------------------------------------------------------------------ gunicorn


def children_of(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(p) for p in path.read_text().split()]
    except OSError:
        return []


def rss_mib(pid: int) -> float:
    """Resident memory of one process (VmRSS in /proc/<pid>/status), in MiB; 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@dataclass
class Gunicorn:
    """gunicorn with gunicorn.conf.py, on a free loopback port, its log in a file."""

    env: dict[str, str]
    workers: int
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> None:
        env = {
            **self.env,
            "PORT": str(self.port),
            "WEB_CONCURRENCY": str(self.workers),
            "PYTHONUNBUFFERED": "1",
        }
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
            cwd=PROJECT_DIR,
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        probe = Session(self.port)
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}): see {self.log_path}")
            try:
                if (
                    probe.request("GET", "/api/v1/health")[0] == 200
                    and len(self.worker_pids()) == self.workers
                ):
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer within {timeout} s: see {self.log_path}")

    def worker_pids(self) -> list[int]:
        return children_of(self.process.pid) if self.process else []

    def workers_rss_mib(self) -> list[float]:
        return [round(rss_mib(pid), 1) for pid in self.worker_pids()]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
