"""Version counters of groups of tables, so that what is derived from them can be cached safely.

A transaction that writes to a watched table, through the unit of work or through an INSERT, UPDATE or
DELETE statement run by the session, increments its group's counter just before it commits, in the same
transaction. A cache keyed by the counter read in the current transaction therefore never serves data
older than that transaction sees, in any worker process. The cost on writers is one UPDATE of one row per
commit that touched the group (writers of the same group are serialised on that row, which is fine for
the rare edits of mandates, rules and meetings).
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from sqlalchemy import BigInteger, String, event, inspect, select, update
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from concertation.extensions import Model, db

_PENDING = "concertation.versions.pending"
# table name -> the groups it belongs to
_WATCHED: dict[str, set[str]] = {}


class DataVersion(Model):
    """One counter per group of tables (one row each, created by the migrations)."""

    __tablename__ = "data_version"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


def watch(group: str, *tables: str) -> None:
    """Count every committed write to these tables in the group's version."""
    for table in tables:
        _WATCHED.setdefault(table, set()).add(group)


def read(group: str) -> int:
    """The group's version as this transaction sees it (-1 if its row is missing: never cached)."""
    value = db.session.scalar(select(DataVersion.value).where(DataVersion.name == group))
    return -1 if value is None else value


def has_unsaved_writes(session: Session) -> bool:
    """Whether the session holds writes not committed yet (what it reads is then not the committed state)."""
    return bool(session.new or session.dirty or session.deleted or session.info.get(_PENDING))


def _pending(session: Session) -> set[str]:
    found: set[str] = session.info.setdefault(_PENDING, set())
    return found


def _groups_of(table: Any) -> set[str]:
    return _WATCHED.get(getattr(table, "name", ""), set())


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    if not _WATCHED:
        return
    pending = _pending(session)
    for instance in chain(session.new, session.dirty, session.deleted):
        pending |= _groups_of(inspect(instance).mapper.local_table)


@event.listens_for(Session, "do_orm_execute")
def _statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        groups = _groups_of(getattr(state.statement, "table", None))
        if groups:
            _pending(state.session).update(groups)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if not _WATCHED:
        return
    # Objects still pending are flushed here rather than by commit, so that their groups are known.
    session.flush()
    pending = session.info.pop(_PENDING, None)
    if pending:
        statement = update(DataVersion).where(DataVersion.name.in_(sorted(pending)))
        session.execute(statement.values(value=DataVersion.value + 1))


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
