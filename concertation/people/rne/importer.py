"""The RNE import itself: validated rows matched against the database, turned into a plan, written.

Re-importing the same file changes nothing; a newer file closes the RNE mandates that disappeared from
the bodies it covers and opens the new ones. Manual mandates are never closed. The caller commits.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from concertation.core.text import fold
from concertation.core.timeutils import today_paris
from concertation.people.exceptions import InvalidImportFile
from concertation.people.models import MandateSource, Role
from concertation.people.rne.files import decode_csv, read_bytes
from concertation.people.rne.history import file_date, file_digest, record_import, refuse_older_file
from concertation.people.rne.kinds import COUNCIL_ROLES, KIND_ROLES, RneFileKind, roles_of
from concertation.people.rne.loading import LoadedBodies, PersonMatcher, load_bodies, load_open_mandates
from concertation.people.rne.report import MandateChange, RneImportReport
from concertation.people.rne.rows import RneRow, parse_rne
from concertation.people.rne.tables import ROLE_BODY_ATTRIBUTE
from concertation.people.rne.writing import Plan, write_plan


def import_rne(
    path: Path, *, on: date | None = None, dry_run: bool = False, force: bool = False
) -> RneImportReport:
    """Import one RNE file and record it; the caller commits.

    A mandate that disappeared ends the day before its successor's start in the file, else on `on`
    (today by default). A file older than the latest one of its kind raises OlderRneFile unless `force`.
    """
    with _gc_paused():
        data = read_bytes(path)
        kind, rows = parse_rne(decode_csv(data))
        file_on = file_date(rows)
        if not force:
            refuse_older_file(kind, file_on)
        report = apply_rne(kind, rows, on=on or today_paris(), dry_run=dry_run)
        report.file_on = file_on
        if not dry_run:
            record_import(
                kind,
                file_name=path.name,
                digest=file_digest(data),
                file_on=file_on,
                rows=len(rows),
                is_forced=force,
            )
        return report


def _refuse_unknown_codes(kind: RneFileKind, rows: list[RneRow], loaded: LoadedBodies) -> None:
    """InvalidImportFile for the rows naming a body unknown in a département the database holds whole.

    Skipping such a row would close the mandate of the body's real holder, who is missing from the
    file: a wrong code must stop the import, like a bad date. Rows of other départements are skipped.
    """
    # The département a code belongs to: "48095" -> "48" (communes), "4809" -> "48" (cantons).
    cut = 2 if kind is RneFileKind.MAIRES else -2
    label = "code de la commune" if kind is RneFileKind.MAIRES else "code du canton"
    errors = [
        (row.line, f"{label} « {row.body_code} » inconnu dans le département {row.departement}.")
        for row in rows
        if row.body_code not in loaded.by_code
        and (row.departement in loaded.complete or row.body_code[:cut] in loaded.complete)
    ]
    if errors:
        raise InvalidImportFile(errors)


def _end_of(starts_on: date | None, successor_starts: set[date], on: date) -> date:
    """The end of a mandate that disappeared from the file.

    The day before its successor started, when the file names one (the first start in the same role
    and body after its own): closing it on the import date instead would give the body two holders
    between the election and the import. Else `on`. Never before its own start.
    """
    later = [d for d in successor_starts if starts_on is None or d > starts_on]
    ends_on = min(later) - timedelta(days=1) if later else on
    return max(ends_on, starts_on) if starts_on is not None else ends_on


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector during a bulk import.

    A national file allocates millions of objects that stay alive until the end (rows, dicts,
    bound parameters) and form no cycles; the collector would walk the growing heap again and again
    for nothing (a quarter of the import time). Reference counting still frees everything.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def apply_rne(kind: RneFileKind, rows: list[RneRow], *, on: date, dry_run: bool = False) -> RneImportReport:
    """Bring the RNE mandates of the file's roles in line with validated rows."""
    report = RneImportReport(kind=kind, rows=len(rows), dry_run=dry_run)
    roles = KIND_ROLES[kind]
    loaded = load_bodies(kind, rows)
    bodies, covered = loaded.by_code, loaded.covered
    _refuse_unknown_codes(kind, rows, loaded)
    folded: dict[str, str] = {}

    def fold_cached(value: str) -> str:
        result = folded.get(value)
        if result is None:
            result = folded[value] = fold(value)
        return result

    matcher = PersonMatcher(kind, fold_cached)
    open_mandates = load_open_mandates(roles)
    open_by_key = {(m.person_id, m.role, m.body_id): m for m in reversed(open_mandates)}
    matched: set[int] = set()
    person_of: dict[tuple[object, ...], int] = {}  # identity in the file -> person id (< 0: to create)
    plan = Plan()
    seen: set[tuple[int, Role, int | None]] = set()
    file_starts: dict[tuple[Role, int | None], set[date]] = {}  # start dates in the file, by role and body
    roles_cache: dict[str, tuple[Role, ...]] = {}
    opened = report.opened

    for row in rows:
        body = bodies.get(row.body_code)
        if body is None:
            report.skipped_rows += 1
            continue
        row_roles = roles_cache.get(row.function_label)
        if row_roles is None:
            row_roles = roles_cache[row.function_label] = roles_of(kind, row.function_label)
        if not row_roles:
            report.other_functions += 1  # an adjoint or a conseiller municipal in a commune file
            continue
        last, first = fold_cached(row.last_name), fold_cached(row.first_name)
        # Without a birth date, the same name is the same person only within the same body.
        identity = (last, first, row.birth_on, None if row.birth_on else body.id)
        person_id = person_of.get(identity)
        if person_id is None:
            found = matcher.match(last, first, row.birth_on, body.id)
            if found is None:
                plan.new_persons.append(
                    {
                        "civility": row.civility,
                        "first_name": row.first_name,
                        "last_name": row.last_name,
                        "birth_on": row.birth_on,
                    }
                )
                found = -len(plan.new_persons)
            person_id = person_of[identity] = found
        for role in row_roles:
            attribute = ROLE_BODY_ATTRIBUTE[role]
            body_id = body.id if attribute is not None else None
            key = (person_id, role, body_id)
            if key in seen:
                continue  # the same person and role twice in the file
            seen.add(key)
            if role in COUNCIL_ROLES:
                starts_on = row.mandate_on or row.function_on
            else:
                starts_on = row.function_on or row.mandate_on
            if starts_on is not None:
                file_starts.setdefault((role, body_id), set()).add(starts_on)
            change = MandateChange(
                row.civility, row.first_name, row.last_name, role, body.name, row.function_label, starts_on
            )
            existing = open_by_key.get(key) if person_id > 0 else None
            if existing is None:
                values: dict[str, object] = {
                    "person_id": person_id,
                    "function_label": row.function_label,
                    "starts_on": starts_on,
                }
                if attribute is not None:
                    values[attribute] = body_id
                plan.new_mandates.setdefault((attribute, role), []).append(values)
                opened.append(change)
                continue
            matched.add(existing.id)
            # A re-elected élu keeps the mandate and its first start date, so that past meetings
            # still find them; only an earlier date (a correction) moves the start.
            earliest = existing.starts_on
            if earliest is None or (starts_on is not None and starts_on < earliest):
                earliest = starts_on
            if existing.source == MandateSource.RNE and (
                existing.function_label != row.function_label or existing.starts_on != earliest
            ):
                label = row.function_label
                plan.updates.append({"id": existing.id, "function_label": label, "starts_on": earliest})
                report.updated.append(change)
            else:
                report.unchanged += 1

    body_names = {body.id: body.name for body in bodies.values()}
    for mandate in open_mandates:
        if mandate.id in matched or mandate.source != MandateSource.RNE:
            continue
        if mandate.body_id not in covered and not (mandate.body_id is None and loaded.covers_departement):
            continue  # a body the file does not cover (another département, an EPCI not in the file)
        ends_on = _end_of(mandate.starts_on, file_starts.get((mandate.role, mandate.body_id), set()), on)
        plan.closings.append({"id": mandate.id, "ends_on": ends_on})
        person = matcher.known[mandate.person_id]
        body_name = body_names.get(mandate.body_id, "") if mandate.body_id is not None else ""
        report.closed.append(
            MandateChange(
                person.civility,
                person.first_name,
                person.last_name,
                mandate.role,
                body_name,
                mandate.function_label,
                mandate.starts_on,
                ends_on,
            )
        )
    plan.completed = matcher.completed
    report.created_persons = len(plan.new_persons)
    report.completed_persons = len(plan.completed)
    if not dry_run and report.has_changes:
        write_plan(plan)
    return report
