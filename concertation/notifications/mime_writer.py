"""InvitationWriter: the invitation emails of a batch written straight to bytes, as mime.py's tree would be.

The email package re-parses every header each time a message is built, searched or written; for a
convocation of hundreds, what the messages share is written once here. The tests compare both paths.
"""

from __future__ import annotations

import base64
import random
import re
import sys
from datetime import datetime
from email import policy, quoprimime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from concertation.core.timeutils import now_utc, to_paris
from concertation.notifications.ics_types import Method
from concertation.notifications.mime import (
    attachment_part,
    calendar_part,
    check_ics,
    invitation_method,
    text_part,
)
from concertation.notifications.mime_headers import (
    MAX_LINE,
    MESSAGE_ID,
    POLICY,
    Encoded,
    fold,
    mailbox,
    name_and_address,
    phrase,
    text_header,
)

CRLF = b"\r\n"
_NEWLINE = re.compile(r"\r\n|\r|\n")
# email.generator's boundaries: 15 "=", a random number on as many digits as sys.maxsize, "==".
_BOUNDARY_DIGITS = len(repr(sys.maxsize - 1))
_BOUNDARY_PLACEHOLDER = "=" * 15 + "0" * _BOUNDARY_DIGITS + "=="


def _header_line(name: str, value: str | Address) -> bytes:
    """One header as as_bytes() writes it: parsed as POLICY stores it, folded by policy.SMTP."""
    # Address objects are read as such by the header registry, not re-parsed from their str().
    stored_value: Any = value
    stored = POLICY.header_store_parse(name, stored_value)
    return policy.SMTP.fold_binary(*stored)


# What the short paths below write as is: names of plain words, dot-atom addresses, plain Message-IDs.
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9'-]+( [A-Za-z0-9'-]+)*$")
_PLAIN_ADDRESS = re.compile(r"^[A-Za-z0-9_+-]+(\.[A-Za-z0-9_+-]+)*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_PLAIN_MESSAGE_ID = re.compile(r"^<[A-Za-z0-9._-]+@[A-Za-z0-9.-]+>$")


def _to_line(name: str, email: str) -> bytes:
    """The To header, as _header_line("To", mailbox("To", email, name=name)) writes it.

    The usual names and addresses skip the header parser, one of the costs of a batch; the tests
    compare both paths.
    """
    name, email = name_and_address(name, email)
    if _PLAIN_ADDRESS.match(email):
        if _PLAIN_NAME.match(name) and len(name) + len(email) + 7 <= MAX_LINE:
            return f"To: {name} <{email}>".encode("ascii") + CRLF
        if not name.isascii():
            return _header_line("To", Encoded(fold("To", [*phrase("To", name), f"<{email}>"])))
    return _header_line("To", mailbox("To", email, name=name))


def _message_id_line(message_id: str) -> bytes:
    if _PLAIN_MESSAGE_ID.match(message_id) and len(message_id) + 12 <= MAX_LINE:
        return f"Message-ID: {message_id}".encode("ascii") + CRLF
    return _header_line("Message-ID", message_id)


def _crlf_lines(text: str) -> bytes:
    # The generator writes every line of a payload with the policy's CRLF.
    return "\r\n".join(_NEWLINE.split(text)).encode("ascii")


def _quoted_printable(body: str, cache: dict[bytes, bytes]) -> bytes:
    """A text body as text_part() encodes it (set_content's quoted-printable), CRLF lines.

    quoprimime encodes each line on its own, so the lines of a batch's bodies, mostly the same
    from one invitee to the next, are encoded once and kept in `cache`.
    """
    encoded = []
    for line in body.encode("utf-8").splitlines():
        done = cache.get(line)
        if done is None:
            done = cache[line] = quoprimime.body_encode(
                line.decode("latin-1"), POLICY.max_line_length or MAX_LINE, eol="\r\n"
            ).encode("ascii")
        encoded.append(done)
    return CRLF.join(encoded) + CRLF


def _new_boundary(*texts: bytes) -> bytes:
    """A random boundary in email.generator's format that occurs in none of the texts it encloses."""
    while True:
        token = random.randrange(sys.maxsize)
        boundary = f"{'=' * 15}{token:0{_BOUNDARY_DIGITS}d}==".encode("ascii")
        # Quoted-printable never writes "==" and base64 never writes "-": a clash is impossible in
        # practice, but a boundary inside a part would cut the message.
        if not any(b"--" + boundary in text for text in texts):
            return boundary


class InvitationWriter:
    """Invitation emails of one batch (same subject, sender, METHOD), written straight to bytes.

    Gives byte for byte what as_bytes(build_invitation_message(...)) gives, save the random
    boundaries (the tests compare them). The email package re-parses every header each time a
    message is built, searched or written, which made most of the cost of a convocation of
    hundreds; here what is the same for the whole batch (Subject, From, Reply-To, Date and the
    headers of the parts) is written once, and each message only adds its To, Message-ID, bodies
    and calendar object.
    """

    def __init__(
        self,
        *,
        sender: str | Address,
        reply_to: str | Address,
        subject: str,
        method: Method,
        filename: str = "invitation.ics",
        date: datetime | None = None,
    ) -> None:
        self.method = invitation_method(method, filename)
        self._before_to = _header_line("Subject", text_header("Subject", subject)) + _header_line(
            "From", mailbox("From", sender)
        )
        self._after_to = _header_line("Reply-To", mailbox("Reply-To", reply_to)) + _header_line(
            "Date", format_datetime(to_paris(date or now_utc()))
        )
        self._after_message_id = _header_line("MIME-Version", "1.0") + _header_line(
            "Auto-Submitted", "auto-generated"
        )
        # Boundaries all have the same length, so a placeholder gives the folding of every one.
        self._mixed_type = _header_line(
            "Content-Type", f'multipart/mixed; boundary="{_BOUNDARY_PLACEHOLDER}"'
        )
        self._alternative_type = _header_line(
            "Content-Type", f'multipart/alternative; boundary="{_BOUNDARY_PLACEHOLDER}"'
        )
        self._plain_headers = self._part_headers(text_part("", "plain"))
        self._html_headers = self._part_headers(text_part("", "html"))
        self._calendar_headers = self._part_headers(calendar_part(b"", self.method))
        self._attachment_headers = self._part_headers(attachment_part(filename, "application/ics", b""))
        self._encoded_lines: dict[bytes, bytes] = {}

    @staticmethod
    def _part_headers(part: EmailMessage) -> bytes:
        """The header block of a part as built by build_invitation_message, blank line included."""
        return b"".join(policy.SMTP.fold_binary(name, value) for name, value in part.raw_items()) + CRLF

    def to_bytes(
        self,
        *,
        to_name: str,
        to_email: str,
        text_body: str,
        html_body: str,
        ics: bytes,
        message_id: str,
    ) -> bytes:
        """One invitee's email, as handed to SMTP."""
        if not MESSAGE_ID.match(message_id):
            raise ValueError(f"not a Message-ID: {message_id!r}")
        check_ics(ics, self.method)
        plain = _quoted_printable(text_body, self._encoded_lines)
        html = _quoted_printable(html_body, self._encoded_lines)
        calendar = _crlf_lines(base64.encodebytes(ics).decode("ascii"))
        inner = _new_boundary(plain, html, calendar)
        outer = _new_boundary(plain, html, calendar, inner)
        placeholder = _BOUNDARY_PLACEHOLDER.encode("ascii")
        return b"".join(
            (
                self._before_to,
                # The invitee alone: per-recipient answers and no leaked addresses (ICAL.md point 1).
                _to_line(to_name, to_email.strip()),
                self._after_to,
                _message_id_line(message_id),
                self._after_message_id,
                self._mixed_type.replace(placeholder, outer),
                CRLF,
                b"--" + outer + CRLF,
                self._alternative_type.replace(placeholder, inner),
                CRLF,
                b"--" + inner + CRLF,
                self._plain_headers,
                plain,
                CRLF + b"--" + inner + CRLF,
                self._html_headers,
                html,
                CRLF + b"--" + inner + CRLF,
                self._calendar_headers,
                calendar,
                CRLF + b"--" + inner + b"--" + CRLF,
                CRLF + b"--" + outer + CRLF,
                self._attachment_headers,
                calendar,
                CRLF + b"--" + outer + b"--" + CRLF,
            )
        )
