"""Import of the Répertoire national des élus (RNE): maires, conseillers départementaux and communautaires.

The file kind is recognised by its header, never by its name. The whole file is validated before
anything is read from or written to the database, so a bad line changes nothing. Persons are matched
on (last name, first name, birth date) compared folded, so two homonyms stay two persons. Re-importing
the same file changes nothing; a newer file closes the RNE mandates that disappeared from the bodies it
covers and opens the new ones. Manual mandates are never closed. The caller commits.

Writes are bulk statements over dictionaries preloaded in a few queries: a national file (35,000 maires)
must import in seconds, so there is no query and no ORM object per row.

The modules follow the import's steps, each depending only on the ones before it:
`files` (encoding, delimiter, CSV records, dates) → `kinds` (file kinds and the roles they give) →
`rows` (header detection, row validation) → `tables`, `loading` (preloaded bodies, mandates, persons)
→ `writing` (bulk statements) → `importer` (`import_rne`, `apply_rne`); `report` is what it returns.
This package re-exports the names the CLI, the contacts import and the tests use.
"""

from __future__ import annotations

from concertation.people.rne.files import (
    csv_records,
    decode_csv,
    detect_delimiter,
    header_key,
    parse_date,
    read_csv,
)
from concertation.people.rne.importer import apply_rne, import_rne
from concertation.people.rne.kinds import KIND_ROLES, RneFileKind, roles_of
from concertation.people.rne.report import MandateChange, RneImportReport
from concertation.people.rne.rows import RneRow, detect_kind, parse_rne

__all__ = [
    "KIND_ROLES",
    "MandateChange",
    "RneFileKind",
    "RneImportReport",
    "RneRow",
    "apply_rne",
    "csv_records",
    "decode_csv",
    "detect_delimiter",
    "detect_kind",
    "header_key",
    "import_rne",
    "parse_date",
    "parse_rne",
    "read_csv",
    "roles_of",
]
