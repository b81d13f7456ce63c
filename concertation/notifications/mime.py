"""MIME messages built on purpose with the stdlib email package (shared/ICAL.md points 1-8).

Flask-Mail cannot give an invitation the shape every client needs (no `method=` on its
alternatives, attachments only in multipart/mixed, duplicated Content-Type), so the tree is made
here and checked by the tests: multipart/mixed holding multipart/alternative (text/plain,
text/html, text/calendar; method=...) then the same object as an application/ics attachment.
"""

from __future__ import annotations

import base64
import random
import re
import sys
from collections.abc import Sequence
from datetime import datetime
from email import policy, quoprimime
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import EmailPolicy
from email.utils import format_datetime, parseaddr
from typing import Any

from concertation.core.text import clean_line
from concertation.core.timeutils import now_utc, to_paris
from concertation.notifications.addresses import UnwritableAddress, ascii_address
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
    # A CR or LF in a header would let a name inject headers; runs of spaces mean nothing there, and
    # control or bidi characters (U+202E) in stored names would reach the recipient's screen.
    return clean_line(value)


def _name_and_address(name: str, address: str) -> tuple[str, str]:
    """The one address handling of every writer: the name on one clean line, the address in ASCII.

    An internationalised domain is written in its IDNA form; an address that cannot be written
    raises UnwritableAddress (a ValueError) with the French reason.
    """
    return _flat(name), ascii_address(address)


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
    display_name, addr_spec = _name_and_address(name if name is not None else display_name, addr_spec)
    # Address() checks the address itself and quotes ASCII names that need it.
    address = Address(display_name=display_name, addr_spec=addr_spec)
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
    """An invitation, update or cancellation email for one invitee (shared/ICAL.md points 1-8).

    InvitationWriter writes the very same bytes much faster, for batches.
    """
    method = _invitation_method(method, filename)
    _check_ics(ics, method)

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


def _invitation_method(method: Method | str, filename: str) -> Method:
    method = Method(method)
    if method not in (Method.REQUEST, Method.CANCEL):
        raise ValueError(f"an invitation email carries REQUEST or CANCEL, not {method}")
    if not filename.lower().endswith(".ics"):
        raise ValueError("the attachment must be named *.ics")
    return method


def _check_ics(ics: bytes, method: Method) -> None:
    if ical_method(ics) != method.value:
        # Outlook rejects an invitation whose MIME method differs from the object's METHOD.
        raise ValueError(f"METHOD of the object ({ical_method(ics) or 'none'}) is not {method.value}")


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
    """The To header, as _header_line("To", _mailbox("To", email, name=name)) writes it.

    The usual names and addresses skip the header parser, one of the costs of a batch; the tests
    compare both paths.
    """
    name, email = _name_and_address(name, email)
    if _PLAIN_ADDRESS.match(email):
        if _PLAIN_NAME.match(name) and len(name) + len(email) + 7 <= MAX_LINE:
            return f"To: {name} <{email}>".encode("ascii") + CRLF
        if not name.isascii():
            return _header_line("To", _Encoded(_fold("To", [*_phrase("To", name), f"<{email}>"])))
    return _header_line("To", _mailbox("To", email, name=name))


def _message_id_line(message_id: str) -> bytes:
    if _PLAIN_MESSAGE_ID.match(message_id) and len(message_id) + 12 <= MAX_LINE:
        return f"Message-ID: {message_id}".encode("ascii") + CRLF
    return _header_line("Message-ID", message_id)


def _crlf_lines(text: str) -> bytes:
    # The generator writes every line of a payload with the policy's CRLF.
    return "\r\n".join(_NEWLINE.split(text)).encode("ascii")


def _quoted_printable(body: str, cache: dict[bytes, bytes]) -> bytes:
    """A text body as _text_part() encodes it (set_content's quoted-printable), CRLF lines.

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
        self.method = _invitation_method(method, filename)
        self._before_to = _header_line("Subject", _text_header("Subject", subject)) + _header_line(
            "From", _mailbox("From", sender)
        )
        self._after_to = _header_line("Reply-To", _mailbox("Reply-To", reply_to)) + _header_line(
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
        self._plain_headers = self._part_headers(_text_part("", "plain"))
        self._html_headers = self._part_headers(_text_part("", "html"))
        self._calendar_headers = self._part_headers(_calendar_part(b"", self.method))
        self._attachment_headers = self._part_headers(_attachment(filename, "application/ics", b""))
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
        if not _MESSAGE_ID.match(message_id):
            raise ValueError(f"not a Message-ID: {message_id!r}")
        _check_ics(ics, self.method)
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


def simple_email_or_refusal(**fields: Any) -> tuple[bytes, str]:
    """build_simple_message's bytes and "", or b"" and the French reason when the recipient's address
    cannot be written (stored before addresses were checked): the caller records that recipient as
    refused and goes on with the others."""
    try:
        return as_bytes(build_simple_message(**fields)), ""
    except UnwritableAddress as error:
        return b"", str(error)
