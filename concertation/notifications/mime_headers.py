"""The headers of the service's emails: Message-IDs, RFC 2047 words, mailboxes, folding (shared/ICAL.md).

Python 3.11's email package mishandles accented names and subjects in a few ways (see _Policy); the
headers are encoded and folded here, and both writers (mime.py's tree, mime_writer.py) use them.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, parseaddr
from typing import Any, NotRequired, TypedDict

from concertation.core.text import clean_line
from concertation.core.timeutils import now_utc, to_paris
from concertation.notifications.addresses import ascii_address


class Encoded(str):
    """A header value encoded and folded here (RFC 2047), to be written exactly as it is."""


class _Policy(EmailPolicy):
    """policy.default, except that Encoded header values are stored as they are.

    Python 3.11's folder loses the space where it splits a long accented header into several
    encoded-words ("Lozère »" arrives as "Lozère»"), and its address parser adds one between
    adjacent encoded-words. Such headers are encoded here with the legacy email.header encoder,
    which keeps every space inside the encoded-words.
    """

    def header_store_parse(self, name: str, value: Any) -> tuple[str, Any]:
        if isinstance(value, Encoded):
            return (name, str(value))
        return super().header_store_parse(name, value)


POLICY = _Policy()
MAX_LINE = 78
_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
MESSAGE_ID = re.compile(r"^<[^<>@\s]+@[^<>@\s]+>$")


def stable_message_id(kind: str, object_id: int, sequence: int, host: str) -> str:
    """The same Message-ID for every try of the same email: "<invitation-17-seq-2@host>".

    Derived from (what, which, SEQUENCE) so a retried send is recognisably the same message.
    """
    if not _TOKEN.match(kind) or not _TOKEN.match(host):
        raise ValueError(f"unusable Message-ID parts: {kind!r}, {host!r}")
    return f"<{kind}-{object_id}-seq-{sequence}@{host}>"


def _flat(value: str) -> str:
    # A CR or LF in a header would let a name inject headers; runs of spaces mean nothing there, and
    # control or bidi characters (U+202E) in stored names would reach the recipient's screen.
    return clean_line(value)


def name_and_address(name: str, address: str) -> tuple[str, str]:
    """The one address handling of every writer: the name on one clean line, the address in ASCII.

    An internationalised domain is written in its IDNA form; an address that cannot be written
    raises UnwritableAddress (a ValueError) with the French reason.
    """
    return _flat(name), ascii_address(address)


def _encoded_words(header: str, text: str) -> str:
    """RFC 2047 encoded-words for a non-ASCII text, folded so that "Header: ..." lines fit."""
    return Header(text, "utf-8", maxlinelen=MAX_LINE - 2, header_name=header).encode(linesep="\n")


def text_header(header: str, text: str) -> str | Encoded:
    text = _flat(text)
    return text if text.isascii() else Encoded(_encoded_words(header, text))


def mailbox(header: str, value: str | Address, name: str | None = None) -> Address | Encoded:
    """One "Name <address>" mailbox; an accented name is encoded here (see _Policy)."""
    if isinstance(value, Address):
        display_name, addr_spec = value.display_name, value.addr_spec
    else:
        display_name, addr_spec = parseaddr(value)
        if not addr_spec or "@" not in addr_spec:
            raise ValueError(f"not an email address: {value!r}")
    display_name, addr_spec = name_and_address(name if name is not None else display_name, addr_spec)
    # Address() checks the address itself and quotes ASCII names that need it.
    address = Address(display_name=display_name, addr_spec=addr_spec)
    if address.display_name.isascii():
        return address
    return Encoded(fold(header, [*phrase(header, address.display_name), f"<{address.addr_spec}>"]))


_ATEXT = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$")


def phrase(header: str, name: str) -> list[str]:
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


def fold(header: str, tokens: list[str]) -> str:
    """Tokens joined by spaces, folded before a token that would make the line too long."""
    lines = [f"{header}:"]
    for token in tokens:
        if len(lines[-1]) + 1 + len(token) > MAX_LINE and lines[-1] != f"{header}:":
            lines.append("")
        lines[-1] += f" {token}"
    # The policy writes "Header: " itself; continuation lines keep their leading space.
    return "\n".join(lines)[len(header) + 2 :]


class Headers(TypedDict):
    """The header fields of a message to one recipient, as the message builders take them."""

    sender: str | Address
    reply_to: str | Address | None
    to_name: str
    to_email: str
    subject: str
    message_id: str
    date: NotRequired[datetime | None]


def write_headers(
    message: EmailMessage,
    *,
    sender: str | Address,
    reply_to: str | Address | None,
    to_name: str,
    to_email: str,
    subject: str,
    message_id: str,
    date: datetime | None = None,
) -> None:
    if not MESSAGE_ID.match(message_id):
        raise ValueError(f"not a Message-ID: {message_id!r}")
    message["Subject"] = text_header("Subject", subject)
    message["From"] = mailbox("From", sender)
    # The invitee alone: per-recipient answers and no leaked addresses (ICAL.md point 1).
    message["To"] = mailbox("To", to_email.strip(), name=to_name)
    if reply_to is not None:
        message["Reply-To"] = mailbox("Reply-To", reply_to)
    message["Date"] = format_datetime(to_paris(date or now_utc()))
    message["Message-ID"] = message_id
    message["MIME-Version"] = "1.0"
    # RFC 3834: discourages out-of-office replies from every élu to the organising mailbox.
    message["Auto-Submitted"] = "auto-generated"
