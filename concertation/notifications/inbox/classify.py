"""What a received message is: a calendar answer, a delivery failure, an automatic reply, a person's message.

Pure functions on the message's bytes; which invitation a message belongs to is the invitations domain's
business (invitations/inbox.py). The order matters: a bounce may quote the invitation's calendar part, and an
out-of-office may quote the invitation's text.
"""

from __future__ import annotations

import email
import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.header import decode_header, make_header
from email.message import Message
from email.utils import parseaddr, parsedate_to_datetime
from enum import StrEnum

from concertation.core.timeutils import now_utc
from concertation.notifications.ics_reply import calendar_parts, parse_reply
from concertation.notifications.ics_types import InvalidReply, ReplyData
from concertation.notifications.inbox.bounces import Bounce, looks_like_bounce, read_bounces


class MailKind(StrEnum):
    CALENDAR_REPLY = "reponse_agenda"
    BOUNCE = "echec_livraison"
    AUTO_REPLY = "reponse_automatique"
    PERSON_REPLY = "message"
    OTHER = "autre"

    @property
    def label(self) -> str:
        return {
            "reponse_agenda": "Réponse d'agenda",
            "echec_livraison": "Échec de livraison",
            "reponse_automatique": "Réponse automatique",
            "message": "Message",
            "autre": "Autre",
        }[self.value]


_AUTO_SUBJECT = re.compile(
    r"^\s*(réponse automatique|absence|absent|out of office|automatic reply|auto(matic)?[- ]?reply|"
    r"autoreply|auto:|abwesenheit|en congés?)",
    re.IGNORECASE,
)
_UNTIL = re.compile(r"(jusqu[’']?\s?(?:au|à|a)\s+[^\n.;!?]{3,40}|until\s+[^\n.;!?]{3,40})", re.IGNORECASE)
_MESSAGE_IDS = re.compile(r"<[^<>\s]+@[^<>\s]+>")
TEXT_LIMIT = 4000


@dataclass(frozen=True)
class IncomingMail:
    """One received message as the invitations domain needs it."""

    key: str
    digest: str
    kind: MailKind
    sender: str
    subject: str
    arrived_at: datetime
    # Message-IDs this one answers (In-Reply-To, References): the invitation it replies to.
    references: tuple[str, ...] = ()
    text: str = ""
    reply: ReplyData | None = None
    bounces: tuple[Bounce, ...] = field(default=())
    auto_until: str = ""


def message_key(message: Message, digest: str) -> str:
    """What makes a message unique: its Message-ID, or its digest when it has none."""
    message_id = str(message.get("Message-ID", "")).strip()
    return message_id[:300] if message_id else f"sha256:{digest}"


def _decoded(value: object) -> str:
    if value is None:
        return ""
    try:
        return str(make_header(decode_header(str(value))))
    except (ValueError, LookupError):
        return str(value)


def arrival(message: Message, now: datetime | None = None) -> datetime:
    """When the message reached the mailbox: the newest Received line's date, else its Date; never future."""
    now = now or now_utc()
    candidates = [str(line).rsplit(";", 1)[-1] for line in message.get_all("Received", [])[:1]]
    candidates.append(str(message.get("Date", "")))
    for candidate in candidates:
        try:
            moment = parsedate_to_datetime(candidate.strip())
        except (TypeError, ValueError, IndexError):
            continue
        if moment.tzinfo is not None:
            return min(moment, now)
    return now


def is_automatic(message: Message) -> bool:
    """RFC 3834 Auto-Submitted, the common X- headers, Precedence, or an out-of-office subject."""
    auto = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return True
    if message.get("X-Autoreply") or message.get("X-Autorespond") or message.get("X-Autoresponder"):
        return True
    if str(message.get("Precedence", "")).strip().lower() == "auto_reply":
        return True
    return bool(_AUTO_SUBJECT.search(_decoded(message.get("Subject"))))


def is_bulk(message: Message) -> bool:
    """Newsletters and mailing lists: never an answer from an invitee."""
    precedence = str(message.get("Precedence", "")).strip().lower()
    return precedence in {"bulk", "list", "junk"} or bool(message.get("List-Id"))


def plain_text(message: Message) -> str:
    """The first text/plain part (else the HTML without tags), for the organiser to read."""
    html = ""
    for part in message.walk():
        if part.get_content_maintype() != "text" or part.get_filename():
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        text = payload.decode(part.get_content_charset() or "utf-8", "replace")
        if part.get_content_subtype() == "plain":
            return text[:TEXT_LIMIT]
        if part.get_content_subtype() == "html" and not html:
            html = re.sub(r"<[^>]+>", " ", text)
    return " ".join(html.split())[:TEXT_LIMIT]


def calendar_reply(message: Message) -> ReplyData | None:
    """The first iTIP REPLY of a message: inline text/calendar or an .ics attachment, any encoding."""
    for payload in calendar_parts(message):
        try:
            return parse_reply(payload)
        except InvalidReply:
            continue
    return None


def _references(message: Message) -> tuple[str, ...]:
    found: list[str] = []
    for name in ("In-Reply-To", "References"):
        for value in message.get_all(name, []):
            found.extend(_MESSAGE_IDS.findall(str(value)))
    return tuple(dict.fromkeys(found))


_HEAD_END = re.compile(rb"\r?\n\r?\n")
# A calendar part is named by its Content-Type or its file name, always in clear in the raw bytes
# (a MIME header is never encoded, and multipart or message/rfc822 parts are never base64).
_CALENDAR_MARKERS = (b"calendar", b"/ics", b".ics", b"%2eics")


def _head(raw: bytes) -> bytes:
    """The header block: the parser stops at the first empty line, so nothing after it can change it."""
    match = _HEAD_END.search(raw)
    return raw if match is None else raw[: match.end()]


def may_hold_calendar(raw: bytes) -> bool:
    """False only when no part can be a calendar one (then the body need not be parsed for it)."""
    lowered = raw.lower()
    return any(marker in lowered for marker in _CALENDAR_MARKERS)


def _base(message: Message, digest: str, now: datetime | None) -> IncomingMail:
    return IncomingMail(
        key=message_key(message, digest),
        digest=digest,
        kind=MailKind.OTHER,
        sender=parseaddr(_decoded(message.get("From")))[1].strip().lower(),
        subject=" ".join(_decoded(message.get("Subject")).split())[:500],
        arrived_at=arrival(message, now),
        references=_references(message),
    )


def _auto_reply(base: IncomingMail, text: str) -> IncomingMail:
    match = _UNTIL.search(text)
    until = " ".join(match.group(1).split()) if match else ""
    return replace(base, kind=MailKind.AUTO_REPLY, text=text, auto_until=until)


def classify(raw: bytes, *, now: datetime | None = None) -> IncomingMail:
    """Read one message; `kind` OTHER means it is none of the service's business.

    Decided on the headers first; the body is parsed only when it is needed (a bounce, a possible
    calendar part, a text to show). Gives the same result as `classify_whole`, which parses it all.
    """
    digest = hashlib.sha256(raw).hexdigest()
    headers = email.message_from_bytes(_head(raw))
    base = _base(headers, digest, now)
    whole: Message | None = None
    if looks_like_bounce(headers):
        bounces = tuple(read_bounces(email.message_from_bytes(raw)))
        return replace(base, kind=MailKind.BOUNCE, bounces=bounces) if bounces else base
    if may_hold_calendar(raw):
        whole = email.message_from_bytes(raw)
        reply = calendar_reply(whole)
        if reply is not None:
            return replace(base, kind=MailKind.CALENDAR_REPLY, reply=reply)
    automatic = is_automatic(headers)
    if not automatic and (is_bulk(headers) or not base.sender):
        return base
    text = plain_text(whole or email.message_from_bytes(raw))
    if automatic:
        return _auto_reply(base, text)
    return replace(base, kind=MailKind.PERSON_REPLY, text=text)


def classify_whole(raw: bytes, *, now: datetime | None = None) -> IncomingMail:
    """The reference reading: the whole message parsed first, then each test in turn (tests compare)."""
    digest = hashlib.sha256(raw).hexdigest()
    message = email.message_from_bytes(raw)
    base = _base(message, digest, now)
    if looks_like_bounce(message):
        bounces = tuple(read_bounces(message))
        return replace(base, kind=MailKind.BOUNCE, bounces=bounces) if bounces else base
    reply = calendar_reply(message)
    if reply is not None:
        return replace(base, kind=MailKind.CALENDAR_REPLY, reply=reply)
    text = plain_text(message)
    if is_automatic(message):
        return _auto_reply(base, text)
    if is_bulk(message) or not base.sender:
        return base
    return replace(base, kind=MailKind.PERSON_REPLY, text=text)
