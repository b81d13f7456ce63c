"""A real SMTP server for the tests (aiosmtpd on loopback) and the messages it received."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage


@dataclass
class SmtpSink:
    """A real SMTP server on loopback that keeps every message it accepts."""

    host: str
    port: int
    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Recipients for which the server answers a permanent failure (e.g. "550 ...").
    reject: dict[str, str] = field(default_factory=dict)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]  # noqa: N802
        if address.lower() in self.reject:
            return self.reject[address.lower()]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        with self.lock:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def mail_to(sink: SmtpSink, address: str) -> EmailMessage:
    """The first message the sink received for `address` (any case), parsed."""
    for _, recipients, raw in sink.messages:
        if address.lower() in (r.lower() for r in recipients):
            message = email.message_from_bytes(raw, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            return message
    raise AssertionError(f"no email to {address}")
