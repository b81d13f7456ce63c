"""The record of RNE imports, and the refusal of a file older than the data already imported.

The RNE extraction carries no date of its own, so a file is dated by its data: the latest start date
(of a mandate or a function) it contains. A file whose date is before the latest file of the same kind
already imported would reopen mandates closed since and close the ones opened since: it is refused
unless the operator forces it. Two files with the same date are both accepted (a file with a removal
only, or the same file again, which changes nothing).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from sqlalchemy import Index, String, select
from sqlalchemy.orm import Mapped, mapped_column

from concertation.core.timeutils import now_utc, to_paris
from concertation.core.types import UTCDateTime
from concertation.extensions import Model, db
from concertation.people.exceptions import PeopleError
from concertation.people.rne.kinds import RneFileKind
from concertation.people.rne.rows import RneRow


class RneImport(Model):
    """One RNE file imported (dry runs are not recorded)."""

    __tablename__ = "rne_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    file_on: Mapped[date | None]  # the latest start date in the file; None for a file without any
    rows: Mapped[int]
    is_forced: Mapped[bool] = mapped_column(default=False)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    __table_args__ = (Index("ix_rne_import_kind_file_on", "kind", "file_on"),)


class OlderRneFile(PeopleError):
    """The file's data is older than that of a file of the same kind already imported; nothing written."""

    def __init__(self, kind: RneFileKind, file_on: date, last: RneImport) -> None:
        assert last.file_on is not None
        super().__init__(
            f"Ce fichier des {kind.label} est plus ancien que le dernier importé : ses dates de début "
            f"vont jusqu'au {file_on:%d/%m/%Y}, celles de « {last.file_name} » (importé le "
            f"{to_paris(last.imported_at):%d/%m/%Y}) jusqu'au {last.file_on:%d/%m/%Y}. L'importer "
            "rouvrirait des mandats clos depuis et fermerait ceux ouverts depuis."
        )


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_date(rows: list[RneRow]) -> date | None:
    """The date of a file's data: its latest mandate or function start date."""
    dates = {row.mandate_on for row in rows} | {row.function_on for row in rows}
    dates.discard(None)
    return max(d for d in dates if d is not None) if dates else None


def newest_import(kind: RneFileKind) -> RneImport | None:
    """The import of this kind with the latest file date (the most recent import among equals)."""
    return db.session.scalars(
        select(RneImport)
        .where(RneImport.kind == kind.value, RneImport.file_on.is_not(None))
        .order_by(RneImport.file_on.desc(), RneImport.imported_at.desc(), RneImport.id.desc())
        .limit(1)
    ).first()


def refuse_older_file(kind: RneFileKind, file_on: date | None) -> None:
    """OlderRneFile when a file of this kind with later data was imported before."""
    if file_on is None:
        return
    last = newest_import(kind)
    if last is not None and last.file_on is not None and file_on < last.file_on:
        raise OlderRneFile(kind, file_on, last)


def record_import(
    kind: RneFileKind, *, file_name: str, digest: str, file_on: date | None, rows: int, is_forced: bool
) -> RneImport:
    """Add the record of an import to the session; the caller commits it with the import."""
    record = RneImport(
        kind=kind.value,
        file_name=file_name[:255],
        file_sha256=digest,
        file_on=file_on,
        rows=rows,
        is_forced=is_forced,
    )
    db.session.add(record)
    return record
