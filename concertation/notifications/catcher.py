"""The development SMTP catcher: an aiosmtpd server that stores every message as an .eml file.

`make run` starts it (through `concertation.devserver`) so that nothing leaves the machine; the organiser
reads the captured messages on the « Courriels » pages.
Run alone: `python -m concertation.notifications.catcher --directory instance/mail`.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import signal
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from aiosmtpd.controller import Controller

log = logging.getLogger(__name__)

EML_SUFFIX = ".eml"


def message_file_name(received_at: datetime) -> str:
    """A name that sorts by reception time and cannot collide: 20260601T101530123456Z-ab12cd34.eml (UTC)."""
    stamp = received_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{stamp}-{secrets.token_hex(4)}{EML_SUFFIX}"


def envelope_headers(mail_from: str | None, rcpt_tos: list[str]) -> bytes:
    """Envelope headers prepended to the stored message: Bcc recipients appear nowhere else."""
    lines = [f"X-Envelope-From: {mail_from or ''}", f"X-Envelope-To: {', '.join(rcpt_tos)}"]
    # Header values come from the SMTP dialogue: strip line breaks so that they cannot inject headers.
    cleaned = [line.replace("\r", " ").replace("\n", " ") for line in lines]
    return "".join(line + "\r\n" for line in cleaned).encode("utf-8", "replace")


def store_message(directory: Path, content: bytes, received_at: datetime | None = None) -> Path:
    """Write one message atomically (temp file in the same directory, then rename); return its path.

    Readers (the mailbox pages) list only `*.eml`, so they never see a half-written file.
    """
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / message_file_name(received_at or datetime.now(UTC))
    fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=".incoming-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return target


class EmlDirectoryHandler:
    """aiosmtpd handler: each accepted message becomes one .eml file in `directory`."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode("utf-8")
        raw = envelope_headers(envelope.mail_from, list(envelope.rcpt_tos)) + content
        try:
            path = store_message(self.directory, raw)
        except OSError:
            log.exception("could not store a captured message")
            return "451 Requested action aborted: local error in processing"
        log.info("captured %s -> %s", ", ".join(envelope.rcpt_tos), path.name)
        return "250 Message accepted for delivery"


def start_catcher(host: str, port: int, directory: Path) -> Controller:
    """Start the catcher in a background thread; the caller stops the returned controller."""
    controller = Controller(EmlDirectoryHandler(directory), hostname=host, port=port)
    controller.start()
    return controller


def run_catcher(host: str, port: int, directory: Path) -> None:
    """Serve until SIGINT or SIGTERM, then stop cleanly."""
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    controller = start_catcher(host, port, directory)
    log.info("SMTP catcher listening on %s:%s, storing messages in %s", host, port, directory)
    try:
        while not stop.wait(1.0):
            pass
    finally:
        controller.stop()
        log.info("SMTP catcher stopped")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Capteur SMTP de développement (fichiers .eml).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--directory", type=Path, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)-7s catcher: %(message)s")
    # aiosmtpd logs every connection, including the readiness probes of the devserver.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    run_catcher(args.host, args.port, args.directory)


if __name__ == "__main__":
    main()
