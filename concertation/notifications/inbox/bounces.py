"""Delivery failures: RFC 3464 reports read with the email package, other bounce formats with flufl.bounce.

A report tells which recipient failed, with which status (5.1.1) and text, and usually returns the
headers of the message that failed, whose Message-ID names the outbox row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser

from flufl.bounce import all_failures

_STATUS = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
_SMTP_CODE = re.compile(r"\b([245]\d\d)\b")
_MESSAGE_ID = re.compile(r"^Message-ID:\s*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|undelivered|delivery (status|failure|has failed)|returned mail|failure notice|"
    r"non remis|non distribuable|échec de (la )?(remise|distribution)|mail delivery failed",
    re.IGNORECASE,
)
_DAEMON = re.compile(r"mailer-daemon|postmaster|mail delivery (sub)?system", re.IGNORECASE)


@dataclass(frozen=True)
class Bounce:
    """One recipient's permanent failure."""

    recipient: str
    status: str
    text: str
    code: int | None
    # The Message-ID of the message that failed, from the returned headers ("" when not returned).
    original_message_id: str
    # Where the report was sent (the envelope sender): carries the outbox id with MAIL_BOUNCE_ADDRESS.
    returned_to: tuple[str, ...] = ()


def _address(value: str) -> str:
    # "rfc822; maire@example.fr" -> "maire@example.fr"
    value = value.split(";", 1)[-1].strip().strip("<>")
    return value.lower()


def _returned_message_id(message: Message, text: str) -> str:
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type == "text/rfc822-headers":
            payload = part.get_payload(decode=True)
            text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)
            headers = HeaderParser().parsestr(text)
            if headers.get("Message-ID"):
                return str(headers["Message-ID"]).strip()
        elif content_type == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                found = inner[0].get("Message-ID")
                if found:
                    return str(found).strip()
    # A non-standard bounce quotes the headers in its text.
    match = _MESSAGE_ID.search(text)
    return match.group(1) if match else ""


def _all_text(message: Message) -> str:
    chunks = []
    for part in message.walk():
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                chunks.append(payload.decode(part.get_content_charset() or "utf-8", "replace"))
    return "\n".join(chunks)


def _dsn_failures(message: Message) -> list[tuple[str, str, str]]:
    """(recipient, status, diagnostic) of each failed recipient of an RFC 3464 report."""
    failures = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        if not isinstance(blocks, list):
            continue
        # The first block is about the message, the next ones each about one recipient.
        for block in blocks[1:]:
            if not isinstance(block, Message):
                continue
            action = str(block.get("Action", "")).strip().lower()
            status = str(block.get("Status", "")).strip()
            if action != "failed" and not status.startswith("5"):
                continue
            recipient = _address(str(block.get("Final-Recipient") or block.get("Original-Recipient") or ""))
            diagnostic = " ".join(str(block.get("Diagnostic-Code", "")).split())
            diagnostic = diagnostic.split(";", 1)[-1].strip() if ";" in diagnostic else diagnostic
            if recipient:
                failures.append((recipient, status, diagnostic))
    return failures


def is_report(message: Message) -> bool:
    return (
        message.get_content_type() == "multipart/report"
        and str(message.get_param("report-type", "")).lower() == "delivery-status"
    )


def looks_like_bounce(message: Message) -> bool:
    """A standard report, or a message from a mailer daemon about an undelivered message."""
    if is_report(message):
        return True
    sender = str(message.get("From", ""))
    subject = str(message.get("Subject", ""))
    return bool(_DAEMON.search(sender)) and bool(_BOUNCE_SUBJECT.search(subject))


def read_bounces(message: Message) -> list[Bounce]:
    """The permanent failures a bounce reports (empty for a delay notice or an unreadable one)."""
    returned_to = tuple(
        _address(str(value))
        for name in ("To", "Delivered-To", "X-Original-To", "Return-Path")
        for value in message.get_all(name, [])
    )
    text = _all_text(message)
    original = _returned_message_id(message, text)
    failures = _dsn_failures(message) if is_report(message) else []
    if not failures:
        _temporary, permanent = all_failures(message)
        status_match = _STATUS.search(text)
        status = status_match.group(1) if status_match else "5.0.0"
        line = next((line.strip() for line in text.splitlines() if status in line), "")
        failures = [(addr.decode("utf-8", "replace").lower(), status, line) for addr in sorted(permanent)]
    bounces = []
    for recipient, status, diagnostic in failures:
        code_match = _SMTP_CODE.search(diagnostic)
        bounces.append(
            Bounce(
                recipient=recipient,
                status=status,
                text=diagnostic[:900],
                code=int(code_match.group(1)) if code_match else None,
                original_message_id=original,
                returned_to=returned_to,
            )
        )
    return bounces
