"""MIME messages built on purpose with the stdlib email package (shared/ICAL.md points 1-8).

Flask-Mail cannot give an invitation the shape every client needs (no `method=` on its
alternatives, attachments only in multipart/mixed, duplicated Content-Type), so the tree is made
here and checked by the tests: multipart/mixed holding multipart/alternative (text/plain,
text/html, text/calendar; method=...) then the same object as an application/ics attachment.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from datetime import datetime
from email import policy
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import EmailPolicy
from email.utils import format_datetime, parseaddr
from typing import Any

from concertation.core.timeutils import now_utc, to_paris
from concertation.notifications.ics import Method


class _Encoded(str):
    """A header value encoded and folded here (RFC 2047), to be written exactly as it is."""


class _Policy(EmailPolicy):
    """policy.default, except that _Encoded header values are stored as they are.

    Python 3.11's folder loses the space where it splits a long accented header into several
    encoded-words ("Lozère »" arrives as "Lozère»"), and its address parser adds one between
    adjacent encoded-words. Such headers are encoded here with the legacy email.header encoder,
    which keeps every space inside the encoded-words.
    """

    def header_store_parse(self, name: str, value: Any) -> tuple[str, Any]:
        if isinstance(value, _Encoded):
            return (name, str(value))
        return super().header_store_parse(name, value)


POLICY = _Policy()
MAX_LINE = 78
_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_MESSAGE_ID = re.compile(r"^<[^<>@\s]+@[^<>@\s]+>$")
_METHOD_LINE = re.compile(rb"^METHOD:([A-Za-z-]+)\r?$", re.MULTILINE)

Attachment = tuple[str, str, bytes]
"""(filename, mimetype such as "application/pdf", content)."""


def stable_message_id(kind: str, object_id: int, sequence: int, host: str) -> str:
    """The same Message-ID for every try of the same email: "<invitation-17-seq-2@host>".

    Derived from (what, which, SEQUENCE) so a retried send is recognisably the same message.
    """
    if not _TOKEN.match(kind) or not _TOKEN.match(host):
        raise ValueError(f"unusable Message-ID parts: {kind!r}, {host!r}")
    return f"<{kind}-{object_id}-seq-{sequence}@{host}>"


def _flat(value: str) -> str:
    # A CR or LF in a header would let a name inject headers; runs of spaces mean nothing there.
    return " ".join(value.split())


def _encoded_words(header: str, text: str) -> str:
    """RFC 2047 encoded-words for a non-ASCII text, folded so that "Header: ..." lines fit."""
    return Header(text, "utf-8", maxlinelen=MAX_LINE - 2, header_name=header).encode(linesep="\n")


def _text_header(header: str, text: str) -> str | _Encoded:
    text = _flat(text)
    return text if text.isascii() else _Encoded(_encoded_words(header, text))


def _mailbox(header: str, value: str | Address, name: str | None = None) -> Address | _Encoded:
    """One "Name <address>" mailbox; an accented name is encoded here (see _Policy)."""
    if isinstance(value, Address):
        display_name, addr_spec = value.display_name, value.addr_spec
    else:
        display_name, addr_spec = parseaddr(value)
        if not addr_spec or "@" not in addr_spec:
            raise ValueError(f"not an email address: {value!r}")
    # Address() checks the address itself and quotes ASCII names that need it.
    address = Address(display_name=_flat(name if name is not None else display_name), addr_spec=addr_spec)
    if address.display_name.isascii():
        return address
    return _Encoded(_fold(header, [*_phrase(header, address.display_name), f"<{address.addr_spec}>"]))


_ATEXT = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$")


def _phrase(header: str, name: str) -> list[str]:
    """A display name as plain atoms and encoded-words.

    Runs of words that need encoding become one encoded-word where they fit on a line,
    because readers disagree on the space between two adjacent encoded-words: RFC 2047 drops it,
    Python's address parser keeps it. Plain atoms between them keep every reader in step.
    """
    tokens: list[str] = []
    run: list[str] = []
    for word in name.split(" "):
        if _ATEXT.match(word):
            if run:
                tokens += _encoded_run(header, " ".join(run))
                run = []
            tokens.append(word)
        else:
            run.append(word)
    if run:
        tokens += _encoded_run(header, " ".join(run))
    return tokens


def _encoded_run(header: str, text: str) -> list[str]:
    # Short enough for any line, the first one ("Reply-To: ...") included.
    encoded = Header(text, "utf-8", maxlinelen=MAX_LINE - len(header) - 2).encode(linesep="\n")
    return [line.strip() for line in encoded.split("\n")]


def _fold(header: str, tokens: list[str]) -> str:
    """Tokens joined by spaces, folded before a token that would make the line too long."""
    lines = [f"{header}:"]
    for token in tokens:
        if len(lines[-1]) + 1 + len(token) > MAX_LINE and lines[-1] != f"{header}:":
            lines.append("")
        lines[-1] += f" {token}"
    # The policy writes "Header: " itself; continuation lines keep their leading space.
    return "\n".join(lines)[len(header) + 2 :]


def _headers(
    message: EmailMessage,
    *,
    sender: str | Address,
    reply_to: str | Address | None,
    to_name: str,
    to_email: str,
    subject: str,
    message_id: str,
    date: datetime | None,
) -> None:
    if not _MESSAGE_ID.match(message_id):
        raise ValueError(f"not a Message-ID: {message_id!r}")
    message["Subject"] = _text_header("Subject", subject)
    message["From"] = _mailbox("From", sender)
    # The invitee alone: per-recipient answers and no leaked addresses (ICAL.md point 1).
    message["To"] = _mailbox("To", to_email.strip(), name=to_name)
    if reply_to is not None:
        message["Reply-To"] = _mailbox("Reply-To", reply_to)
    message["Date"] = format_datetime(to_paris(date or now_utc()))
    message["Message-ID"] = message_id
    message["MIME-Version"] = "1.0"
    # RFC 3834: discourages out-of-office replies from every élu to the organising mailbox.
    message["Auto-Submitted"] = "auto-generated"


def _part() -> EmailMessage:
    # EmailMessage rather than MIMEPart for the sub-parts: typeshed types attach() with Self.
    return EmailMessage(policy=POLICY)


def _finish(part: EmailMessage) -> EmailMessage:
    # set_content() adds MIME-Version, which belongs to the top-level header only.
    del part["MIME-Version"]
    return part


def _text_part(body: str, subtype: str) -> EmailMessage:
    part = _part()
    # Quoted-printable keeps accents intact through relays without 8BITMIME.
    part.set_content(body, subtype=subtype, charset="utf-8", cte="quoted-printable")
    return _finish(part)


def _alternative(text_body: str, html_body: str) -> EmailMessage:
    alternative = _part()
    alternative.make_alternative()
    alternative.attach(_text_part(text_body, "plain"))
    alternative.attach(_text_part(html_body, "html"))
    return alternative


def _attachment(filename: str, mimetype: str, content: bytes) -> EmailMessage:
    maintype, _, subtype = mimetype.partition("/")
    if not maintype or not subtype:
        raise ValueError(f"not a MIME type: {mimetype!r}")
    part = _part()
    part.set_content(
        content,
        maintype=maintype,
        subtype=subtype,
        cte="base64",
        disposition="attachment",
        filename=filename,
        # Some Outlook versions read the name from Content-Type only.
        params={"name": filename},
    )
    return _finish(part)


def _calendar_part(ics: bytes, method: Method) -> EmailMessage:
    """The inline text/calendar part: no Content-Disposition, no Content-ID (ICAL.md point 3).

    Parsed from its source rather than built with set_content(), whose header folding would
    write method="REQUEST": the parameters stay exactly as Outlook and Google write them.
    Base64 carries the object's CRLF lines and UTF-8 bytes unchanged through any relay.
    """
    source = (
        f"Content-Type: text/calendar; method={method.value}; charset=UTF-8\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
    ).encode("ascii") + base64.encodebytes(ics)
    part = BytesParser(EmailMessage, policy=POLICY).parsebytes(source)
    if not isinstance(part, EmailMessage):
        raise TypeError("the parser did not build an EmailMessage")
    return part


def ical_method(ics: bytes) -> str:
    """The METHOD written in an iCalendar object ("" when there is none)."""
    match = _METHOD_LINE.search(ics)
    return match.group(1).decode("ascii").upper() if match else ""


def build_invitation_message(
    *,
    sender: str | Address,
    reply_to: str | Address,
    to_name: str,
    to_email: str,
    subject: str,
    text_body: str,
    html_body: str,
    ics: bytes,
    method: Method,
    message_id: str,
    filename: str = "invitation.ics",
    date: datetime | None = None,
) -> EmailMessage:
    """An invitation, update or cancellation email for one invitee (shared/ICAL.md points 1-8)."""
    method = Method(method)
    if method not in (Method.REQUEST, Method.CANCEL):
        raise ValueError(f"an invitation email carries REQUEST or CANCEL, not {method}")
    if ical_method(ics) != method.value:
        # Outlook rejects an invitation whose MIME method differs from the object's METHOD.
        raise ValueError(f"METHOD of the object ({ical_method(ics) or 'none'}) is not {method.value}")
    if not filename.lower().endswith(".ics"):
        raise ValueError("the attachment must be named *.ics")

    message = EmailMessage(policy=POLICY)
    _headers(
        message,
        sender=sender,
        reply_to=reply_to,
        to_name=to_name,
        to_email=to_email,
        subject=subject,
        message_id=message_id,
        date=date,
    )
    message.make_mixed()

    alternative = _alternative(text_body, html_body)
    alternative.attach(_calendar_part(ics, method))
    message.attach(alternative)
    message.attach(_attachment(filename, "application/ics", ics))
    return message


def build_simple_message(
    *,
    sender: str | Address,
    reply_to: str | Address | None,
    to_name: str,
    to_email: str,
    subject: str,
    text_body: str,
    html_body: str,
    message_id: str,
    attachments: Sequence[Attachment] = (),
    date: datetime | None = None,
) -> EmailMessage:
    """A text + HTML email (reminders, minutes), with optional attachments after the body."""
    message = EmailMessage(policy=POLICY)
    _headers(
        message,
        sender=sender,
        reply_to=reply_to,
        to_name=to_name,
        to_email=to_email,
        subject=subject,
        message_id=message_id,
        date=date,
    )
    if not attachments:
        message.make_alternative()
        message.attach(_text_part(text_body, "plain"))
        message.attach(_text_part(html_body, "html"))
        return message
    message.make_mixed()
    message.attach(_alternative(text_body, html_body))
    for filename, mimetype, content in attachments:
        message.attach(_attachment(filename, mimetype, content))
    return message


def as_bytes(message: EmailMessage) -> bytes:
    """The message as handed to SMTP: CRLF line ends, headers folded and encoded for the wire."""
    return message.as_bytes(policy=policy.SMTP)
