"""One reading of the organiser's mailbox: fetch the new messages, apply them, file them; record the outcome.

Called by the scheduler job `poll_mailbox` and by `flask mailbox poll`. A chunk of messages is applied in one
transaction, committed, and only then moved: a crash between the two leaves messages in the folder, and the
next poll finds their keys recorded and just moves them. A mailbox that cannot be read is recorded with a
backoff (the job skips it until then) and raises MailboxUnavailable, which the job run records.
"""

from __future__ import annotations

import logging
import time
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from imap_tools import BaseMailBox
from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError

from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.invitations.inbox import InboxSettings
from concertation.invitations.inbox_apply import apply_chunk
from concertation.invitations.inbox_models import MailboxPoll, ReceivedMail, ReceivedStatus
from concertation.notifications.emails import MailContext
from concertation.notifications.inbox import imap
from concertation.notifications.inbox.classify import classify

log = logging.getLogger(__name__)

FOLDER_OF = {
    ReceivedStatus.APPLIED: imap.DONE_FOLDER,
    ReceivedStatus.READ: imap.DONE_FOLDER,
    ReceivedStatus.TO_READ: imap.TO_READ_FOLDER,
}


# The first key of the advisory lock of a mailbox's reading (the second is its label's checksum).
_LOCK_CLASS = 13


class MailboxUnavailable(Exception):
    """The mailbox could not be read (server down, login refused); the message is French."""


@dataclass
class PollReport:
    fetched: int = 0
    by_status: dict[ReceivedStatus, int] = field(default_factory=dict)
    already: int = 0
    ignored: int = 0
    skipped_until: datetime | None = None
    busy: bool = False
    # Seconds spent in each step (fetch, classify, apply, move): where a slow poll spends its time.
    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def timing(self, step: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[step] = self.seconds.get(step, 0.0) + time.perf_counter() - started

    def summary(self) -> str:
        if self.busy:
            return "boîte déjà en cours de lecture par un autre planificateur : rien fait"
        if self.skipped_until is not None:
            return f"boîte injoignable : nouvel essai après {self.skipped_until:%H:%M:%S} UTC"
        handled = ", ".join(f"{n} {status.label.lower()}" for status, n in self.by_status.items() if n)
        return (
            f"{self.fetched} message(s) lu(s) : {handled or 'aucun traité'}, "
            f"{self.already} déjà traité(s), {self.ignored} laissé(s) dans la boîte"
        )


def backoff(failures: int) -> timedelta:
    """1, 2, 4 ... minutes between attempts after failures, capped at 30 min."""
    return timedelta(seconds=min(60 * 2 ** max(failures - 1, 0), 1800))


def _poll_row(label: str) -> MailboxPoll:
    row = db.session.scalar(select(MailboxPoll).where(MailboxPoll.mailbox == label))
    if row is None:
        row = MailboxPoll(mailbox=label, last_uid=0, failures=0, last_error="")
        db.session.add(row)
        try:
            db.session.commit()
        except IntegrityError:  # a second scheduler created it at the same time
            db.session.rollback()
            row = db.session.scalars(select(MailboxPoll).where(MailboxPoll.mailbox == label)).one()
    return row


def poll(
    settings: imap.ImapSettings, inbox: InboxSettings, *, force: bool = False, now: datetime | None = None
) -> PollReport:
    """Read the new messages of the mailbox once. `force` ignores the failure backoff (the command)."""
    now = now or now_utc()
    report = PollReport()
    row = _poll_row(settings.label)
    if not force and row.next_attempt_at is not None and row.next_attempt_at > now:
        report.skipped_until = row.next_attempt_at
        db.session.commit()
        return report
    with _reading(settings.label) as mine:
        if not mine:
            db.session.commit()
            report.busy = True
            return report
        return _poll(settings, inbox, row, report, now)


@contextmanager
def _reading(label: str) -> Iterator[bool]:
    """Whether this poller may read the mailbox: one at a time, so that two never move the same messages.

    On PostgreSQL a session advisory lock on its own connection (released by the server if the process
    dies); SQLite has one writer and nothing to take. The claim of each message's key stays the
    guarantee that nothing is applied twice; this lock keeps two pollers from copying a message twice.
    """
    if db.engine.dialect.name != "postgresql":
        yield True
        return
    key = zlib.crc32(label.encode()) - 2**31
    with db.engine.connect() as connection:
        mine = bool(connection.scalar(select(func.pg_try_advisory_lock(_LOCK_CLASS, key))))
        connection.commit()
        try:
            yield mine
        finally:
            if mine:
                connection.scalar(select(func.pg_advisory_unlock(_LOCK_CLASS, key)))
                connection.commit()


def _poll(
    settings: imap.ImapSettings, inbox: InboxSettings, row: MailboxPoll, report: PollReport, now: datetime
) -> PollReport:
    row_id = row.id
    row.last_attempt_at = now
    validity, after = row.uid_validity, row.last_uid
    db.session.commit()
    try:
        with imap.opened(settings) as box:
            current = imap.uid_validity(box, settings.folder)
            # Another UIDVALIDITY means the server renumbered the folder: read it all again (keys protect).
            start = after if validity == current else 0
            last = _read(box, imap.new_uids(box, start), inbox, report, now)
    except imap.MAILBOX_ERRORS as error:
        db.session.rollback()
        message = f"{type(error).__name__}: {error}"[:1000]
        _record_failure(row_id, message, now)
        raise MailboxUnavailable(f"Boîte aux lettres injoignable ({settings.host}) : {message}") from error
    db.session.execute(
        update(MailboxPoll)
        .where(MailboxPoll.id == row_id)
        .values(
            uid_validity=current,
            # Two pollers may finish in any order: the mark only goes up.
            last_uid=case((MailboxPoll.last_uid > last, MailboxPoll.last_uid), else_=last)
            if validity == current
            else last,
            last_success_at=now_utc(),
            failures=0,
            next_attempt_at=None,
            last_error="",
        )
    )
    db.session.commit()
    return report


def _record_failure(row_id: int, message: str, now: datetime) -> None:
    row = db.session.get(MailboxPoll, row_id)
    if row is None:
        return
    row.failures += 1
    row.last_error = message
    row.next_attempt_at = now + backoff(row.failures)
    db.session.commit()
    log.warning("mailbox poll failed (%s in a row): %s", row.failures, message)


def _chunks(items: Sequence[int], size: int) -> Iterator[list[int]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _read(box: BaseMailBox, uids: list[int], inbox: InboxSettings, report: PollReport, now: datetime) -> int:
    """Apply the messages of `uids` chunk by chunk; returns the highest UID read (all of them were filed)."""
    last = 0
    for chunk in _chunks(uids, imap.CHUNK):
        moves: dict[str, list[int]] = {}
        with report.timing("fetch"):
            fetched = list(imap.fetch(box, chunk))
        with report.timing("classify"):
            mails = [classify(item.raw, now=now) for item in fetched]
        with report.timing("apply"):
            outcomes = apply_chunk(mails, inbox, now=now)
        for item, outcome in zip(fetched, outcomes, strict=True):
            report.fetched += 1
            if outcome.status is None:
                report.ignored += 1
                continue
            if outcome.already:
                report.already += 1
            else:
                report.by_status[outcome.status] = report.by_status.get(outcome.status, 0) + 1
            moves.setdefault(FOLDER_OF[outcome.status], []).append(item.uid)
        with report.timing("apply"):
            db.session.commit()
        with report.timing("move"):
            for folder, moved in moves.items():
                imap.move(box, moved, folder)
        last = max(chunk)
    return last


def mailbox_state(config: Any, now: datetime | None = None) -> dict[str, Any]:
    """For the health check and the Suivi page: is the mailbox read, when did it last succeed, what waits."""
    now = now or now_utc()
    settings = imap.ImapSettings.from_config(config)
    waiting = db.session.scalar(
        select(func.count()).select_from(ReceivedMail).where(ReceivedMail.status == ReceivedStatus.TO_READ)
    )
    state: dict[str, Any] = {
        "active": settings is not None,
        "last_success_at": None,
        "age_seconds": None,
        "failures": 0,
        "last_error": "",
        "to_read": waiting or 0,
    }
    if settings is None:
        return state
    row = db.session.scalar(select(MailboxPoll).where(MailboxPoll.mailbox == settings.label))
    if row is not None:
        state.update(failures=row.failures, last_error=row.last_error, last_success_at=row.last_success_at)
        if row.last_success_at is not None:
            state["age_seconds"] = round(max((now - row.last_success_at).total_seconds(), 0.0), 1)
    return state


def inbox_settings(config: Any) -> InboxSettings:
    """The UID domain as the invitations are written with it (MailContext), and the bounce address."""
    return InboxSettings(
        uid_domain=MailContext.from_config(config).host,
        bounce_address=str(config.get("MAIL_BOUNCE_ADDRESS") or ""),
    )
