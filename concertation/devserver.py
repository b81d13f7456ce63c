"""`python -m concertation.devserver`, the end of `make run`: the web app, the scheduler and a mail catcher.

Three child processes, each in its own process group so that Ctrl-C reaches only this supervisor, which
forwards it and waits: nothing is left running. If one child dies, the others are stopped too, so that a
half-working service never looks healthy. Unless MAIL_SERVER is set, mail goes to a local SMTP catcher and
can be read on the « Courriels » page.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from types import FrameType

from concertation import PROJECT_DIR

HOST = "127.0.0.1"
STARTUP_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
POLL_SECONDS = 0.2


@dataclass
class Child:
    """One supervised process."""

    name: str
    argv: list[str]
    port: int | None = None  # a port it must open before it counts as started
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self, env: Mapping[str, str]) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
            self.argv,
            cwd=PROJECT_DIR,
            env=dict(env),
            process_group=0,
            preexec_fn=DIE_WITH_PARENT,  # safe: this supervisor starts no thread
        )

    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def signal_group(self, signum: int) -> None:
        if self.process is not None and self.process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signum)


def _parent_death_signal() -> Callable[[], None] | None:
    """Linux: a hook making the child get SIGTERM if this supervisor is killed without forwarding anything.

    Resolved here, in the parent: the hook runs between fork and exec, where importing is unsafe.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig, sigterm = 1, int(signal.SIGTERM)

    def hook() -> None:
        prctl(pr_set_pdeathsig, sigterm)

    return hook


DIE_WITH_PARENT = _parent_death_signal()


@dataclass(frozen=True)
class Settings:
    port: int
    mail_port: int
    mail_dir: str
    external_mail_server: str | None


def read_settings(environ: Mapping[str, str]) -> Settings:
    """PORT, MAIL_PORT and MAIL_CATCHER_DIR as the application's config reads them."""
    from config import Config

    return Settings(
        port=int(Config.PORT),
        mail_port=int(Config.MAIL_PORT),
        mail_dir=str(Config.MAIL_CATCHER_DIR),
        external_mail_server=environ.get("MAIL_SERVER") or None,
    )


def child_environment(environ: Mapping[str, str], settings: Settings) -> dict[str, str]:
    env = dict(environ)
    env.setdefault("CONCERTATION_ENV", "development")
    env["PYTHONUNBUFFERED"] = "1"
    if settings.external_mail_server and "MAIL_CATCHER_DIR" not in environ:
        # Mail leaves the machine: the mailbox page must not show messages captured by an earlier run.
        env["MAIL_CATCHER_DIR"] = ""
    return env


def build_children(settings: Settings) -> list[Child]:
    python = sys.executable
    children = []
    if settings.external_mail_server is None:
        catcher = [python, "-m", "concertation.notifications.catcher"]
        catcher += ["--host", HOST, "--port", str(settings.mail_port), "--directory", settings.mail_dir]
        children.append(Child("catcher", catcher, port=settings.mail_port))
    children.append(Child("scheduler", [python, "-m", "scheduler"]))
    web = [python, "-m", "flask", "--app", "wsgi", "run", "--host", HOST, "--port", str(settings.port)]
    children.append(Child("web", [*web, "--no-reload", "--no-debugger"], port=settings.port))
    return children


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def port_is_open(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_until_listening(child: Child, stopping: Callable[[], bool]) -> bool:
    """True once the child accepts connections; False if it died, a stop was asked, or time ran out."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if child.port is None or port_is_open(child.port):
            return True
        if child.exit_code() is not None or stopping():
            return False
        time.sleep(POLL_SECONDS)
    print(f"[devserver] {child.name} n'écoute toujours pas sur le port {child.port}.", file=sys.stderr)
    return False


def banner(settings: Settings) -> str:
    url = f"http://{HOST}:{settings.port}/"
    if settings.external_mail_server:
        mail = f"envoyés au serveur SMTP {settings.external_mail_server}:{settings.mail_port}"
    else:
        mail = (
            f"capturés par le serveur SMTP local {HOST}:{settings.mail_port}, "
            f"rangés dans {settings.mail_dir}, lisibles sur {url}courriels/"
        )
    line = "=" * 72
    return f"{line}\nConcertation est prête : {url}\nCourriels : {mail}\nCtrl-C arrête tout.\n{line}"


class Supervisor:
    """Starts the children, watches them, and stops them all together."""

    def __init__(self, children: list[Child], env: Mapping[str, str]) -> None:
        self.children = children
        self.env = env
        self.stop_signal: int | None = None

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stop_signal = signum

    def stopping(self) -> bool:
        return self.stop_signal is not None

    def start_all(self) -> Child | None:
        """Start the children in order, each once the previous one listens; the one that failed, if any."""
        for child in self.children:
            if self.stopping():
                return None
            child.start(self.env)
            if not wait_until_listening(child, self.stopping):
                return None if self.stopping() else child
        return None

    def watch(self) -> Child | None:
        """Block until a signal arrives (None) or a child exits (that child)."""
        while not self.stopping():
            for child in self.children:
                if child.exit_code() is not None:
                    return child
            time.sleep(POLL_SECONDS)
        return None

    def stop_all(self, signum: int) -> None:
        """Forward `signum` to every running child (web first), wait, then kill what is left."""
        for child in reversed(self.children):
            child.signal_group(signum)
        deadline = time.monotonic() + STOP_TIMEOUT
        for child in self.children:
            if child.process is None:
                continue
            try:
                child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                print(f"[devserver] {child.name} ne s'arrête pas : arrêt forcé.", file=sys.stderr)
                child.signal_group(signal.SIGKILL)
                child.process.wait()


def main() -> int:
    settings = read_settings(os.environ)
    busy = [p for p in (settings.port, settings.mail_port) if not port_is_free(p)]
    if settings.external_mail_server:
        busy = [p for p in busy if p != settings.mail_port]
    if busy:
        ports = ", ".join(str(p) for p in busy)
        print(
            f"Port(s) déjà utilisé(s) : {ports}. Arrêtez l'autre serveur ou choisissez d'autres ports, "
            "par exemple : PORT=5001 MAIL_PORT=8026 make run",
            file=sys.stderr,
        )
        return 2
    if settings.external_mail_server is None:
        os.makedirs(settings.mail_dir, exist_ok=True)
    supervisor = Supervisor(build_children(settings), child_environment(os.environ, settings))
    signal.signal(signal.SIGINT, supervisor.on_signal)
    signal.signal(signal.SIGTERM, supervisor.on_signal)

    failed = supervisor.start_all()
    if failed is None and not supervisor.stopping():
        print(banner(settings), flush=True)
        failed = supervisor.watch()
    if failed is not None:
        print(
            f"[devserver] {failed.name} s'est arrêté (code {failed.exit_code()}) : "
            "arrêt des autres processus.",
            file=sys.stderr,
        )
        supervisor.stop_all(signal.SIGTERM)
        return 1
    supervisor.stop_all(supervisor.stop_signal or signal.SIGTERM)
    print("[devserver] Tout est arrêté.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
