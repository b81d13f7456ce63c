"""IMAP access through imap-tools: connect, list the new messages, move them to the service's folders.

Nothing here deletes a message: a message is moved once its effect is committed, or left where it is.
"""

from __future__ import annotations

import imaplib
import re
import ssl
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from imap_tools import AND, BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.errors import (
    ImapToolsError,
    MailboxCopyError,
    MailboxFetchError,
    MailboxFolderCreateError,
    MailboxMoveError,
)
from imap_tools.query import U
from imap_tools.utils import check_command_status

DONE_FOLDER = "Concertation/Traités"
TO_READ_FOLDER = "Concertation/À lire"
FOLDERS = (DONE_FOLDER, TO_READ_FOLDER)
_UID = re.compile(rb"\bUID (\d+)")
# Messages fetched per IMAP command; each chunk is applied in one database transaction.
CHUNK = 200

# What a mailbox that cannot be reached or refuses us raises (imap-tools wraps protocol errors). OSError
# covers refused connections, timeouts and TLS errors; IMAP4.error covers IMAP4.abort.
MAILBOX_ERRORS: tuple[type[BaseException], ...] = (OSError, imaplib.IMAP4.error, ImapToolsError, EOFError)


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    user: str
    password: str
    use_ssl: bool
    folder: str
    timeout: float

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ImapSettings | None:
        """The mailbox to read, or None when MAIL_IMAP_HOST is not set (polling is off)."""
        host = str(config.get("MAIL_IMAP_HOST") or "").strip()
        if not host:
            return None
        use_ssl = bool(config.get("MAIL_IMAP_SSL", True))
        port = config.get("MAIL_IMAP_PORT") or (993 if use_ssl else 143)
        return cls(
            host=host,
            port=int(port),
            user=str(config.get("MAIL_IMAP_USER") or ""),
            password=str(config.get("MAIL_IMAP_PASSWORD") or ""),
            use_ssl=use_ssl,
            folder=str(config.get("MAIL_IMAP_FOLDER") or "INBOX"),
            timeout=float(config.get("MAIL_IMAP_TIMEOUT", 30)),
        )

    @property
    def label(self) -> str:
        """Names the mailbox in the poll records: one row per user, server and folder."""
        return f"{self.user}@{self.host}:{self.port}/{self.folder}"[:300]


def _client(settings: ImapSettings) -> BaseMailBox:
    if not settings.use_ssl:
        return MailBoxUnencrypted(settings.host, settings.port, timeout=settings.timeout)
    context = ssl.create_default_context()
    # Port 993 speaks TLS from the first byte; any other port starts in clear and must offer STARTTLS.
    if settings.port == 993:
        return MailBox(settings.host, settings.port, timeout=settings.timeout, ssl_context=context)
    return MailBoxStartTls(settings.host, settings.port, timeout=settings.timeout, ssl_context=context)


@contextmanager
def opened(settings: ImapSettings) -> Iterator[BaseMailBox]:
    """A logged-in mailbox on the configured folder, with the service's folders created."""
    box = _client(settings)
    try:
        box.login(settings.user, settings.password, initial_folder=settings.folder)
        for folder in FOLDERS:
            _ensure_folder(box, folder)
        yield box
    finally:
        with suppress(*MAILBOX_ERRORS):
            box.logout()


def _ensure_folder(box: BaseMailBox, folder: str) -> None:
    if box.folder.exists(folder):
        return
    try:
        box.folder.create(folder)
    except MailboxFolderCreateError:
        # Another poller created it in between ([ALREADYEXISTS]).
        if not box.folder.exists(folder):
            raise


@dataclass(frozen=True)
class Fetched:
    uid: int
    raw: bytes


def uid_validity(box: BaseMailBox, folder: str) -> int:
    return int(box.folder.status(folder, ["UIDVALIDITY"])["UIDVALIDITY"])


def new_uids(box: BaseMailBox, after: int) -> list[int]:
    """UIDs above `after`, ascending ("N:*" always matches the last message, even below N)."""
    found = box.uids(AND(uid=U(str(after + 1), "*")))
    return sorted(uid for uid in map(int, found) if uid > after)


def fetch(box: BaseMailBox, uids: Sequence[int]) -> Iterator[Fetched]:
    """The raw bytes of the messages of `uids`, unread flags untouched (BODY.PEEK).

    Through imap-tools' imaplib client rather than its fetch(): that one parses every message into an
    email object, which the classification would then have to serialise and parse again.
    """
    if not uids:
        return
    status, data = box.client.uid("FETCH", ",".join(map(str, uids)), "(UID BODY.PEEK[])")
    check_command_status((status, data), MailboxFetchError)
    for item in data:
        if not isinstance(item, tuple):
            continue
        match = _UID.search(item[0])
        if match:
            yield Fetched(int(match.group(1)), item[1])


def move(box: BaseMailBox, uids: Sequence[int], folder: str) -> None:
    """Move messages (UID MOVE, or COPY + delete flag + EXPUNGE where MOVE is missing)."""
    if not uids:
        return
    try:
        box.move([str(uid) for uid in uids], folder)
    except (MailboxCopyError, MailboxMoveError):
        # Another poller moved some of them first ([EXPUNGEISSUED]): move the rest one by one.
        for uid in uids:
            with suppress(MailboxCopyError, MailboxMoveError):
                box.move(str(uid), folder)
