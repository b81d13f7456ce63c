"""MIME messages built on purpose with the stdlib email package (shared/ICAL.md points 1-8).

Flask-Mail cannot give an invitation the shape every client needs (no `method=` on its
alternatives, attachments only in multipart/mixed, duplicated Content-Type), so the tree is made
here and checked by the tests: multipart/mixed holding multipart/alternative (text/plain,
text/html, text/calendar; method=...) then the same object as an application/ics attachment.
The headers are written by mime_headers.py; mime_writer.py writes the same invitations faster, for batches.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Unpack

from concertation.notifications.ics_types import Method
from concertation.notifications.mime_headers import POLICY, Headers, write_headers

_METHOD_LINE = re.compile(rb"^METHOD:([A-Za-z-]+)\r?$", re.MULTILINE)

Attachment = tuple[str, str, bytes]
"""(filename, mimetype such as "application/pdf", content)."""


def _part() -> EmailMessage:
    # EmailMessage rather than MIMEPart for the sub-parts: typeshed types attach() with Self.
    return EmailMessage(policy=POLICY)


def _finish(part: EmailMessage) -> EmailMessage:
    # set_content() adds MIME-Version, which belongs to the top-level header only.
    del part["MIME-Version"]
    return part


def text_part(body: str, subtype: str) -> EmailMessage:
    part = _part()
    # Quoted-printable keeps accents intact through relays without 8BITMIME.
    part.set_content(body, subtype=subtype, charset="utf-8", cte="quoted-printable")
    return _finish(part)


def _alternative(text_body: str, html_body: str) -> EmailMessage:
    alternative = _part()
    alternative.make_alternative()
    alternative.attach(text_part(text_body, "plain"))
    alternative.attach(text_part(html_body, "html"))
    return alternative


def attachment_part(filename: str, mimetype: str, content: bytes) -> EmailMessage:
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


def calendar_part(ics: bytes, method: Method) -> EmailMessage:
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
    text_body: str,
    html_body: str,
    ics: bytes,
    method: Method,
    filename: str = "invitation.ics",
    **headers: Unpack[Headers],
) -> EmailMessage:
    """An invitation, update or cancellation email for one invitee (shared/ICAL.md points 1-8).

    InvitationWriter writes the very same bytes much faster, for batches.
    """
    method = invitation_method(method, filename)
    check_ics(ics, method)

    message = EmailMessage(policy=POLICY)
    write_headers(message, **headers)
    message.make_mixed()

    alternative = _alternative(text_body, html_body)
    alternative.attach(calendar_part(ics, method))
    message.attach(alternative)
    message.attach(attachment_part(filename, "application/ics", ics))
    return message


def invitation_method(method: Method | str, filename: str) -> Method:
    method = Method(method)
    if method not in (Method.REQUEST, Method.CANCEL):
        raise ValueError(f"an invitation email carries REQUEST or CANCEL, not {method}")
    if not filename.lower().endswith(".ics"):
        raise ValueError("the attachment must be named *.ics")
    return method


def check_ics(ics: bytes, method: Method) -> None:
    if ical_method(ics) != method.value:
        # Outlook rejects an invitation whose MIME method differs from the object's METHOD.
        raise ValueError(f"METHOD of the object ({ical_method(ics) or 'none'}) is not {method.value}")


def build_simple_message(
    *,
    text_body: str,
    html_body: str,
    attachments: Sequence[Attachment] = (),
    **headers: Unpack[Headers],
) -> EmailMessage:
    """A text + HTML email (reminders, minutes), with optional attachments after the body."""
    message = EmailMessage(policy=POLICY)
    write_headers(message, **headers)
    if not attachments:
        message.make_alternative()
        message.attach(text_part(text_body, "plain"))
        message.attach(text_part(html_body, "html"))
        return message
    message.make_mixed()
    message.attach(_alternative(text_body, html_body))
    for filename, mimetype, content in attachments:
        message.attach(attachment_part(filename, mimetype, content))
    return message


def as_bytes(message: EmailMessage) -> bytes:
    """The message as handed to SMTP: CRLF line ends, headers folded and encoded for the wire."""
    return message.as_bytes(policy=policy.SMTP)
