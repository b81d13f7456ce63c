"""Real processes of the fault runs, all on 127.0.0.1 and all bounded in time.

- `Catcher`: the project's SMTP catcher (`python -m concertation.notifications.catcher`, aiosmtpd, one .eml
  file per accepted message) as a process that can be killed and started again on the same port;
- `Gunicorn`: the production server from gunicorn.conf.py;
- `Scheduler`: `python -m scheduler`, with its JSON log read back (lock taken, job runs, lease owner);
- `HttpSession`: one browser (cookies, CSRF token) over http.client;
- `wait_for()`: poll a condition until it holds or a deadline passes;
- `process_env()`: the environment of such a process; `Report`: what a fault did, for a person to read.
"""

from __future__ import annotations

import email
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask

from concertation import PROJECT_DIR
from tests.common.smtp import free_port

HOST = "127.0.0.1"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def wait_for(condition: Callable[[], bool], timeout: float, interval: float = 0.02) -> bool:
    """True as soon as `condition()` holds; False once `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def _stop(process: subprocess.Popen[bytes] | None, signum: int = signal.SIGTERM, timeout: float = 15) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signum)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


def _port_open(port: int) -> bool:
    import socket

    try:
        with socket.create_connection((HOST, port), timeout=0.2):
            return True
    except OSError:
        return False


@dataclass
class Catcher:
    """The SMTP catcher process; `kill()` drops every connection at once, as a crashed server does."""

    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        argv = [sys.executable, "-m", "concertation.notifications.catcher", "--host", HOST]
        argv += ["--port", str(self.port), "--directory", str(self.directory)]
        self.process = subprocess.Popen(
            argv,
            cwd=PROJECT_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        assert wait_for(lambda: _port_open(self.port), 15, 0.05), "the SMTP catcher did not start"

    def kill(self) -> None:
        _stop(self.process, signal.SIGKILL)

    def stop(self) -> None:
        _stop(self.process)

    def count(self) -> int:
        return sum(1 for _ in self.directory.glob("*.eml")) if self.directory.exists() else 0

    def message_ids(self) -> list[str]:
        """The Message-ID of every stored message, duplicates included."""
        found = []
        for path in sorted(self.directory.glob("*.eml")):
            with path.open("rb") as handle:
                headers = email.message_from_binary_file(handle)
            found.append(str(headers["Message-ID"]))
        return found


@dataclass
class Scheduler:
    """`python -m scheduler`, the process that runs the jobs (each job runs once right at start)."""

    env: Mapping[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "scheduler"],
                cwd=PROJECT_DIR,
                env=dict(self.env),
                stdout=log,
                stderr=log,
                start_new_session=True,
            )

    def kill(self) -> None:
        _stop(self.process, signal.SIGKILL)

    def stop(self) -> None:
        _stop(self.process)

    @property
    def worker(self) -> str:
        """The name this process leases outbox rows under (`sender.worker_name()`: host and pid)."""
        assert self.process is not None
        return f"{socket.gethostname()}:{self.process.pid}"

    def events(self) -> list[dict[str, Any]]:
        """The JSON lines of the log (the environment sets LOG_FORMAT=json); other lines are skipped."""
        if not self.log_path.exists():
            return []
        found = []
        for line in self.log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("{"):
                # A process killed mid-write may leave half a line.
                try:
                    found.append(json.loads(line))
                except ValueError:
                    continue
        return found

    def said(self, message_start: str) -> bool:
        """True once a log line's message starts with `message_start`."""
        return any(str(e.get("message", "")).startswith(message_start) for e in self.events())

    def job_runs(self, job: str | None = None) -> list[dict[str, Any]]:
        """The one-line summaries of the job runs this process finished (`event` = "job"), oldest first."""
        return [e for e in self.events() if e.get("event") == "job" and job in (None, e.get("job"))]

    def tail(self, size: int = 3000) -> str:
        """The end of the log, for an assertion message."""
        return self.log_path.read_text(errors="replace")[-size:] if self.log_path.exists() else ""


@dataclass
class Gunicorn:
    """gunicorn with gunicorn.conf.py on a free port; its JSON log in a file."""

    env: Mapping[str, str]
    log_path: Path
    workers: int = 2
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> None:
        env = {**self.env, "PORT": str(self.port), "WEB_CONCURRENCY": str(self.workers)}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
                cwd=PROJECT_DIR,
                env=env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )

        def ready() -> bool:
            assert self.process is not None and self.process.poll() is None, self.log_path.read_text()
            try:
                return HttpSession(self.port).request("GET", "/api/v1/health")[0] == 200
            except OSError:
                return False

        assert wait_for(ready, timeout, 0.1), f"gunicorn did not answer: {self.log_path.read_text()[-2000:]}"

    def stop(self) -> None:
        _stop(self.process)


class HttpSession:
    """One browser: a cookie jar and a new connection per request (gunicorn's sync workers close it)."""

    def __init__(self, port: int, timeout: float = 20) -> None:
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.last_request_id = ""

    def request_with_id(
        self, method: str, path: str, form: Mapping[str, str] | None = None
    ) -> tuple[int, bytes, str]:
        """`request()`, and the X-Request-ID the server gave the answer (to find it in the log)."""
        status, body = self.request(method, path, form)
        return status, body, self.last_request_id

    def request(self, method: str, path: str, form: Mapping[str, str] | None = None) -> tuple[int, bytes]:
        headers = {"Host": f"{HOST}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            self.last_request_id = response.getheader("X-Request-ID") or ""
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key.strip()] = rest.split(";", 1)[0]
            return response.status, data
        finally:
            connection.close()

    def csrf_token(self, path: str) -> str:
        status, body = self.request("GET", path)
        found = CSRF.search(body.decode("utf-8", "replace"))
        assert status == 200 and found, f"no CSRF token on {path} ({status})"
        return found.group(1)

    def login(self, email_address: str, password: str) -> None:
        token = self.csrf_token("/connexion")
        status, _ = self.request(
            "POST", "/connexion", {"email": email_address, "password": password, "csrf_token": token}
        )
        assert status == 303, f"login failed ({status})"


@dataclass
class Report:
    """What a fault did, in a few lines a person can read; printed and saved when the test ends."""

    title: str
    database: str
    lines: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        self.lines.append(line)

    def render(self, outcome: str) -> str:
        body = "\n".join(f"- {line}" for line in self.lines)
        return f"# {self.title} ({self.database}) : {outcome}\n{body}\n"


def process_env(app: Flask, database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a real process of the application (gunicorn, scheduler, flask command)."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "CONCERTATION_ENV": "production",
        "LOG_FORMAT": "json",
        "PYTHONUNBUFFERED": "1",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_TIMEOUT": "3",
        "SCHEDULER_LOCK_RETRY_SECONDS": "0.2",
        **extra,
    }


FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]
