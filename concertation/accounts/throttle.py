"""Throttling kept in the database, so that every gunicorn worker (and every web server) shares it.

Two uses of one table of counters:
- failed logins slow down further attempts with an exponential delay, counted per source address and
  per account *from that source*: an outsider's failures delay only the outsider, never the agent who
  logs in from elsewhere, and nothing is ever locked for good;
- links whose secret is in the URL (answer pages, short letter codes, calendar feeds) are limited to a
  number of requests per window, per link.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from concertation.core.types import UTCDateTime
from concertation.extensions import Model, db


class Throttle(Model):
    """One counter: failures of a login key, or hits of a link in the current window."""

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


@dataclass(frozen=True)
class LoginLimits:
    """Failures allowed before a delay, per source and per account from one source; then the delay
    doubles at each failure, from `base_seconds` up to `max_seconds`. Counters fade after `window`."""

    free_per_source: int = 10
    free_per_account: int = 3
    base_seconds: int = 1
    max_seconds: int = 900
    window_seconds: int = 3600

    @classmethod
    def from_config(cls, config: Any) -> LoginLimits:
        return cls(
            free_per_source=int(config.get("LOGIN_FREE_FAILURES_PER_SOURCE", 10)),
            free_per_account=int(config.get("LOGIN_FREE_FAILURES_PER_ACCOUNT", 3)),
            base_seconds=int(config.get("LOGIN_DELAY_BASE_SECONDS", 1)),
            max_seconds=int(config.get("LOGIN_DELAY_MAX_SECONDS", 900)),
        )

    def delay(self, failures: int, free: int) -> int:
        if failures <= free:
            return 0
        return int(min(self.base_seconds * 2 ** min(failures - free - 1, 30), self.max_seconds))


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:40]


def login_keys(email: str, source: str) -> tuple[str, str]:
    """(source key, account-from-source key); the address tried is hashed, so the table lists no emails."""
    return f"ip:{source}"[:120], f"compte:{_digest(email.strip().lower())}:{source}"[:120]


def _row(key: str, now: datetime) -> Throttle:
    """The counter `key`, created when missing, locked for this transaction on PostgreSQL."""
    row = db.session.scalar(select(Throttle).where(Throttle.key == key).with_for_update())
    if row is not None:
        return row
    try:
        with db.session.begin_nested():
            row = Throttle(key=key, count=0, window_started_at=now)
            db.session.add(row)
    except IntegrityError:
        # Another worker created it first: use theirs.
        row = db.session.scalar(select(Throttle).where(Throttle.key == key).with_for_update())
        assert row is not None
    return row


def _seconds_until(moment: datetime | None, now: datetime) -> int:
    if moment is None or moment <= now:
        return 0
    return max(1, math.ceil((moment - now).total_seconds()))


def login_wait(email: str, source: str, now: datetime) -> int:
    """Seconds before a login attempt for `email` from `source` is examined again (0: go ahead)."""
    keys = login_keys(email, source)
    rows = db.session.scalars(select(Throttle).where(Throttle.key.in_(keys))).all()
    return max((_seconds_until(row.blocked_until, now) for row in rows), default=0)


def record_login_failure(email: str, source: str, now: datetime, limits: LoginLimits) -> None:
    """Count a failed login; the caller commits (failures must be recorded even though login fails)."""
    source_key, account_key = login_keys(email, source)
    for key, free in ((source_key, limits.free_per_source), (account_key, limits.free_per_account)):
        row = _row(key, now)
        if row.window_started_at + timedelta(seconds=limits.window_seconds) <= now:
            row.count, row.window_started_at = 0, now
        row.count += 1
        delay = limits.delay(row.count, free)
        row.blocked_until = now + timedelta(seconds=delay) if delay else None


def record_login_success(email: str, source: str) -> None:
    """Forget the account's failures from this source (the source's own count stays: a sprayer who also
    holds a valid account must not reset it)."""
    _, account_key = login_keys(email, source)
    db.session.execute(delete(Throttle).where(Throttle.key == account_key))


def hit(key: str, limit: int, window_seconds: int, now: datetime) -> int:
    """Count one request under `key`; seconds to wait when it is over `limit` in the window, else 0.

    The caller commits.
    """
    row = _row(f"lien:{_digest(key)}", now)
    window_end = row.window_started_at + timedelta(seconds=window_seconds)
    if window_end <= now:
        row.count, row.window_started_at = 0, now
        window_end = now + timedelta(seconds=window_seconds)
    row.count += 1
    return _seconds_until(window_end, now) if row.count > limit else 0


def purge(now: datetime, older_than: timedelta) -> int:
    """Delete the counters that no longer limit anything."""
    result = db.session.execute(
        delete(Throttle).where(
            Throttle.window_started_at < now - older_than,
            (Throttle.blocked_until.is_(None)) | (Throttle.blocked_until < now),
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
