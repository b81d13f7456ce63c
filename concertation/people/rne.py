"""Import of the Répertoire national des élus (RNE): maires, conseillers départementaux and communautaires.

The file kind is recognised by its header, never by its name. The whole file is validated before
anything is read from or written to the database, so a bad line changes nothing. Persons are matched
on (last name, first name, birth date) compared folded, so two homonyms stay two persons. Re-importing
the same file changes nothing; a newer file closes the RNE mandates that disappeared from the bodies it
covers and opens the new ones. Manual mandates are never closed. The caller commits.

Writes are bulk statements over dictionaries preloaded in a few queries: a national file (35,000 maires)
must import in seconds, so there is no query and no ORM object per row.
"""

from __future__ import annotations

import csv
import gc
import io
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple, cast

from sqlalchemy import ColumnElement, String, Table, false, func, insert, literal_column, select, update

from concertation.core.text import fold
from concertation.core.timeutils import today_paris
from concertation.extensions import db
from concertation.people.exceptions import InvalidImportFile, PeopleError
from concertation.people.models import ROLE_BODY, Mandate, MandateSource, Person, Role, describe_quality
from concertation.territory.models import Canton, Commune, Intercommunality, IntercommunalityMembership


class RneFileKind(StrEnum):
    MAIRES = "maires"
    CONSEILLERS_DEPARTEMENTAUX = "conseillers_departementaux"
    CONSEILLERS_COMMUNAUTAIRES = "conseillers_communautaires"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    RneFileKind.MAIRES: "maires",
    RneFileKind.CONSEILLERS_DEPARTEMENTAUX: "conseillers départementaux",
    RneFileKind.CONSEILLERS_COMMUNAUTAIRES: "conseillers communautaires",
}

# The roles a file of each kind is authoritative for: only these are closed when they disappear.
KIND_ROLES: dict[RneFileKind, tuple[Role, ...]] = {
    RneFileKind.MAIRES: (Role.MAIRE,),
    RneFileKind.CONSEILLERS_DEPARTEMENTAUX: (
        Role.CONSEILLER_DEPARTEMENTAL,
        Role.PRESIDENT_CONSEIL_DEPARTEMENTAL,
    ),
    RneFileKind.CONSEILLERS_COMMUNAUTAIRES: (
        Role.CONSEILLER_COMMUNAUTAIRE,
        Role.PRESIDENT_EPCI,
        Role.VICE_PRESIDENT_EPCI,
    ),
}

# Council seats date from the election (début du mandat); functions from their own vote.
_COUNCIL_ROLES = frozenset({Role.CONSEILLER_DEPARTEMENTAL, Role.CONSEILLER_COMMUNAUTAIRE})

# Matched at the start of the folded function: "Présidente du conseil départemental de la Lozère"
# counts, "1er vice-président du conseil départemental" does not.
_PRESIDENT_CD = re.compile(r"presidente? du conseil departemental\b")
_PRESIDENT_EPCI = re.compile(r"presidente? du conseil communautaire\b")
_VICE_PRESIDENT = re.compile(r"\bvice[- ]?presidente?\b")


# ---------------------------------------------------------------------------------------------- CSV


def header_key(name: str) -> str:
    """A header cell reduced to letters and digits: "N° SIREN" -> "nsiren", "Nom de l’élu" -> "nomdelelu"."""
    return re.sub(r"[^a-z0-9]", "", fold(name))


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252/Latin-1 as older RNE releases and Excel write."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # cp1252 is Latin-1 plus the typographic apostrophe and dashes Excel writes in 0x80-0x9F.
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def detect_delimiter(text: str, candidates: str = ";\t") -> str:
    """The candidate found most often in the header line (the first one on a tie)."""
    end = text.find("\n")
    first_line = text if end < 0 else text[:end]
    return max(candidates, key=first_line.count)


def csv_records(text: str, delimiter: str) -> tuple[Iterator[list[str]], Callable[[], int]]:
    """The records of a CSV text, and a function giving the file line of the last one read.

    A record the csv module cannot read (a cell beyond its size limit) raises InvalidImportFile for its line.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def records() -> Iterator[list[str]]:
        try:
            yield from reader
        except csv.Error as error:
            limit = f"{csv.field_size_limit():,}".replace(",", " ")
            reason = (
                f"ligne illisible : une cellule dépasse {limit} caractères."
                if "field larger than field limit" in str(error)
                else "ligne illisible au format CSV."
            )
            raise InvalidImportFile.single(reader.line_num, reason) from error

    return records(), lambda: reader.line_num


def read_csv(path: Path) -> str:
    try:
        return decode_csv(path.read_bytes())
    except OSError as error:
        raise PeopleError(f"Fichier {path.name} illisible : {error.strerror or error}.") from error


def parse_date(raw: str) -> date:
    """DD/MM/YYYY or YYYY-MM-DD; ValueError otherwise (including 31/02)."""
    if len(raw) == 10 and raw[2] == "/" and raw[5] == "/":
        day, month, year = raw[:2], raw[3:5], raw[6:]
    elif len(raw) == 10 and raw[4] == "-" and raw[7] == "-":
        year, month, day = raw[:4], raw[5:7], raw[8:]
    else:
        raise ValueError(raw)
    if not (day.isdigit() and month.isdigit() and year.isdigit()):
        raise ValueError(raw)
    return date(int(year), int(month), int(day))


# ------------------------------------------------------------------------------------------- header


class _Column(NamedTuple):
    label: str  # as written by the RNE, for error messages
    keys: tuple[str, ...]  # accepted header_key() spellings


_DEPARTEMENT = _Column("Code du département", ("codedudepartement",))
_LAST_NAME = _Column("Nom de l'élu", ("nomdelelu",))
_FIRST_NAME = _Column("Prénom de l'élu", ("prenomdelelu",))
_SEX = _Column("Code sexe", ("codesexe",))
_BIRTH = _Column("Date de naissance", ("datedenaissance",))
_MANDATE_ON = _Column("Date de début du mandat", ("datededebutdumandat",))
_FUNCTION_ON = _Column("Date de début de la fonction", ("datededebutdelafonction",))
_FUNCTION = _Column("Libellé de la fonction", ("libelledelafonction",))
_COMMUNE = _Column("Code de la commune", ("codedelacommune",))
_CANTON = _Column("Code du canton", ("codeducanton",))
_SIREN = _Column("N° SIREN", ("nsiren", "nosiren", "siren"))

_COMMON = (_DEPARTEMENT, _LAST_NAME, _FIRST_NAME, _SEX, _BIRTH, _MANDATE_ON, _FUNCTION_ON)
_BODY_COLUMN = {
    RneFileKind.MAIRES: _COMMUNE,
    RneFileKind.CONSEILLERS_DEPARTEMENTAUX: _CANTON,
    RneFileKind.CONSEILLERS_COMMUNAUTAIRES: _SIREN,
}


def _find(index: dict[str, int], column: _Column) -> int | None:
    for key in column.keys:
        if key in index:
            return index[key]
    return None


def detect_kind(header: list[str]) -> tuple[RneFileKind, dict[_Column, int]]:
    """The file kind and the position of each needed column; InvalidImportFile (line 1) otherwise."""
    index: dict[str, int] = {}
    for position, name in enumerate(header):
        index.setdefault(header_key(name), position)
    # The SIREN and canton columns are specific; the EPCI file also names a commune (de rattachement).
    if _find(index, _SIREN) is not None:
        kind = RneFileKind.CONSEILLERS_COMMUNAUTAIRES
    elif _find(index, _CANTON) is not None:
        kind = RneFileKind.CONSEILLERS_DEPARTEMENTAUX
    elif _find(index, _COMMUNE) is not None:
        kind = RneFileKind.MAIRES
    else:
        raise InvalidImportFile.single(
            1,
            "en-tête non reconnu : fichier du RNE des maires, des conseillers départementaux "
            "ou des conseillers communautaires attendu.",
        )
    wanted = [*_COMMON, _BODY_COLUMN[kind]]
    # The maires file has no function column; a commune file with one (the conseillers municipaux
    # file, or a later maires file) is read too, and only its maires are kept.
    if kind is not RneFileKind.MAIRES or _find(index, _FUNCTION) is not None:
        wanted.append(_FUNCTION)
    positions = {column: _find(index, column) for column in wanted}
    missing = [f"« {column.label} »" for column, position in positions.items() if position is None]
    if missing:
        raise InvalidImportFile.single(
            1, f"colonnes manquantes pour le fichier des {kind.label} : {', '.join(missing)}."
        )
    return kind, {column: position for column, position in positions.items() if position is not None}


# --------------------------------------------------------------------------------------------- rows


class RneRow(NamedTuple):
    line: int
    departement: str
    body_code: str
    last_name: str
    first_name: str
    civility: str
    birth_on: date | None
    mandate_on: date | None
    function_on: date | None
    function_label: str


_CIVILITIES = {"M": "M.", "H": "M.", "F": "Mme"}
# Column lengths of person.first_name and last_name, and of mandate.function_label.
_NAME_LENGTH = 100
_FUNCTION_LENGTH = 200


# Length of a code that needs no normalisation (the canton number is always rewritten).
_CODE_LENGTH = {
    RneFileKind.MAIRES: 5,
    RneFileKind.CONSEILLERS_DEPARTEMENTAUX: -1,
    RneFileKind.CONSEILLERS_COMMUNAUTAIRES: 9,
}


def _body_code(kind: RneFileKind, departement: str, raw: str) -> str:
    """Codes as stored in the territory tables, whatever the spreadsheet did to leading zeros."""
    if kind is RneFileKind.CONSEILLERS_DEPARTEMENTAUX:
        # The canton number within the département ("01") or the full code ("4801").
        return departement + raw.zfill(2) if len(raw) <= 2 else raw
    if kind is RneFileKind.MAIRES:
        return raw.zfill(5) if raw.isdigit() else raw
    return raw.zfill(9)


def parse_rne(text: str) -> tuple[RneFileKind, list[RneRow]]:
    """Every row of an RNE file, validated; InvalidImportFile lists the bad lines."""
    reader, line_num = csv_records(text, detect_delimiter(text))
    header = next(reader, None)
    if not header:
        raise InvalidImportFile.single(1, "fichier vide.")
    kind, at = detect_kind(header)
    width = len(header)
    i_dep, i_last, i_first, i_sex = at[_DEPARTEMENT], at[_LAST_NAME], at[_FIRST_NAME], at[_SEX]
    i_birth, i_mandate, i_function_on = at[_BIRTH], at[_MANDATE_ON], at[_FUNCTION_ON]
    i_body, i_function = at[_BODY_COLUMN[kind]], at.get(_FUNCTION)
    body_label = _BODY_COLUMN[kind].label
    full_length = _CODE_LENGTH[kind]
    has_nul = "\x00" in text  # PostgreSQL stores no NUL: find the lines only when there is one
    dates: dict[str, date | None] = {"": None}  # the same few dates recur on thousands of lines
    errors: list[tuple[int, str]] = []
    rows: list[RneRow] = []

    def to_date(raw: str, what: str, line: int) -> date | None:
        try:
            value = dates[raw] = parse_date(raw)
        except ValueError:
            errors.append((line, f"{what} invalide « {raw} »."))
            return None
        return value

    for record in reader:
        line = line_num()
        if len(record) < width:
            if any(cell.strip() for cell in record):
                errors.append((line, f"{len(record)} colonnes au lieu de {width}."))
            continue
        departement = record[i_dep].strip()
        body = record[i_body].strip()
        last_name = record[i_last].strip()
        first_name = record[i_first].strip()
        sex = record[i_sex].strip().upper()
        if not departement:
            errors.append((line, "code du département manquant."))
        if not body:
            errors.append((line, f"{body_label} manquant."))
        if not last_name:
            errors.append((line, "nom de l'élu manquant."))
        if not first_name:
            errors.append((line, "prénom de l'élu manquant."))
        if sex and sex not in _CIVILITIES:
            errors.append((line, f"code sexe invalide « {sex} » (M ou F attendu)."))
        if len(last_name) > _NAME_LENGTH or len(first_name) > _NAME_LENGTH:
            errors.append((line, f"nom ou prénom de plus de {_NAME_LENGTH} caractères."))
        function_label = record[i_function].strip() if i_function is not None else "Maire"
        if len(function_label) > _FUNCTION_LENGTH:
            errors.append((line, f"libellé de la fonction de plus de {_FUNCTION_LENGTH} caractères."))
        if has_nul and any("\x00" in cell for cell in record):
            errors.append((line, "caractère nul (U+0000) : la ligne est corrompue."))
        raw = record[i_birth].strip()
        birth_on = dates[raw] if raw in dates else to_date(raw, "date de naissance", line)
        raw = record[i_mandate].strip()
        mandate_on = dates[raw] if raw in dates else to_date(raw, "date de début du mandat", line)
        raw = record[i_function_on].strip()
        function_on = dates[raw] if raw in dates else to_date(raw, "date de début de la fonction", line)
        if len(departement) == 1 and departement.isdigit():
            departement = "0" + departement
        rows.append(
            RneRow(
                line,
                departement,
                body if len(body) == full_length else _body_code(kind, departement, body),
                last_name,
                first_name,
                _CIVILITIES.get(sex, ""),
                birth_on,
                mandate_on,
                function_on,
                function_label,
            )
        )
    if errors:
        raise InvalidImportFile(errors)
    return kind, rows


def roles_of(kind: RneFileKind, function_label: str) -> tuple[Role, ...]:
    """The roles one row gives; functions are compared folded ("5ème", "5eme", "5e vice-président")."""
    folded = fold(function_label)
    if kind is RneFileKind.MAIRES:
        return (Role.MAIRE,) if folded == "maire" else ()
    if kind is RneFileKind.CONSEILLERS_DEPARTEMENTAUX:
        if _PRESIDENT_CD.match(folded):
            return (Role.CONSEILLER_DEPARTEMENTAL, Role.PRESIDENT_CONSEIL_DEPARTEMENTAL)
        return (Role.CONSEILLER_DEPARTEMENTAL,)
    if _VICE_PRESIDENT.search(folded):
        return (Role.CONSEILLER_COMMUNAUTAIRE, Role.VICE_PRESIDENT_EPCI)
    if _PRESIDENT_EPCI.match(folded):
        return (Role.CONSEILLER_COMMUNAUTAIRE, Role.PRESIDENT_EPCI)
    return (Role.CONSEILLER_COMMUNAUTAIRE,)


# ------------------------------------------------------------------------------------------- report


class MandateChange(NamedTuple):
    """One mandate opened, closed or updated by an import, with what a reader needs to recognise it."""

    civility: str
    first_name: str
    last_name: str
    role: Role
    body: str
    function_label: str
    starts_on: date | None = None
    ends_on: date | None = None

    @property
    def person(self) -> str:
        return f"{self.civility} {self.first_name} {self.last_name}".strip()

    @property
    def quality(self) -> str:
        return describe_quality(self.role, self.body, self.civility)


@dataclass
class RneImportReport:
    """What an RNE import did (or, in a dry run, would do)."""

    kind: RneFileKind
    rows: int = 0
    created_persons: int = 0
    completed_persons: int = 0  # persons entered without a birth date, which the RNE completed
    opened: list[MandateChange] = field(default_factory=list)
    closed: list[MandateChange] = field(default_factory=list)
    updated: list[MandateChange] = field(default_factory=list)
    unchanged: int = 0
    skipped_rows: int = 0  # rows of bodies unknown here (another département, an EPCI not loaded)
    other_functions: int = 0  # rows of a commune file for another function than maire
    dry_run: bool = False

    @property
    def has_changes(self) -> bool:
        counts = (self.created_persons, self.completed_persons, self.opened, self.closed, self.updated)
        return any(counts)

    def summary(self) -> str:
        """Counts in French, one sentence per line."""
        prefix = "Simulation, rien n'est enregistré. " if self.dry_run else ""
        return "\n".join(
            [
                f"{prefix}Fichier RNE des {self.kind.label} : {self.rows} lignes, "
                f"{self.skipped_rows} ignorées (collectivité absente de la base)"
                + (
                    f", {self.other_functions} d'autres fonctions que maire." if self.other_functions else "."
                ),
                f"Personnes créées : {self.created_persons} ; dates de naissance complétées : "
                f"{self.completed_persons}.",
                f"Mandats ouverts : {len(self.opened)} ; clos : {len(self.closed)} ; "
                f"mis à jour : {len(self.updated)} ; inchangés : {self.unchanged}.",
            ]
        )


# --------------------------------------------------------------------------------------- the import

# Core tables: bulk statements on them skip the ORM's per-row bookkeeping.
_PERSON_TABLE = cast(Table, Person.__table__)
_MANDATE_TABLE = cast(Table, Mandate.__table__)
_PERSON = _PERSON_TABLE.c
_MANDATE = _MANDATE_TABLE.c

_KIND_BODY_ATTRIBUTE = {
    RneFileKind.MAIRES: "commune_id",
    RneFileKind.CONSEILLERS_DEPARTEMENTAUX: "canton_id",
    RneFileKind.CONSEILLERS_COMMUNAUTAIRES: "intercommunality_id",
}
_ROLE_BODY_ATTRIBUTE: dict[Role, str | None] = {
    role: {"commune": "commune_id", "intercommunality": "intercommunality_id", "canton": "canton_id"}.get(
        body or ""
    )
    for role, body in ROLE_BODY.items()
}


_ROLE_VALUE = {role: role.value for role in Role}  # plain str: cheaper to bind than the enum


class _Body(NamedTuple):
    id: int
    name: str


class _OpenMandate(NamedTuple):
    id: int
    person_id: int
    role: Role
    body_id: int | None
    function_label: str
    starts_on: date | None
    source: str


class _KnownPerson(NamedTuple):
    id: int
    civility: str
    first_name: str
    last_name: str
    birth_on: date | None


def _load_bodies(kind: RneFileKind, rows: list[RneRow]) -> tuple[dict[str, _Body], set[int], bool]:
    """Bodies by RNE code, the ids of those the file covers, and whether it covers the Département."""
    departements = {row.departement for row in rows}
    bodies: dict[str, _Body] = {}
    covered: set[int] = set()
    if kind is RneFileKind.MAIRES:
        c = Commune.__table__.c
        for id_, code, name, departement in db.session.execute(
            select(c.id, c.insee_code, c.name, c.departement_code)
        ):
            bodies[code] = _Body(id_, name)
            if departement in departements:
                covered.add(id_)
        return bodies, covered, False
    if kind is RneFileKind.CONSEILLERS_DEPARTEMENTAUX:
        for id_, code, name in db.session.execute(select(Canton.id, Canton.code, Canton.name)):
            bodies[code] = _Body(id_, name)
            if code[:-2] in departements:  # canton codes are the département code and two digits
                covered.add(id_)
        return bodies, covered, bool(covered)
    for id_, siren, name in db.session.execute(
        select(Intercommunality.id, Intercommunality.siren, Intercommunality.name)
    ):
        bodies[siren] = _Body(id_, name)
    # An EPCI is covered when it appears in the file or has a member commune in a covered département.
    covered = {bodies[row.body_code].id for row in rows if row.body_code in bodies}
    covered.update(
        db.session.scalars(
            select(IntercommunalityMembership.intercommunality_id)
            .join(Commune, Commune.id == IntercommunalityMembership.commune_id)
            .where(Commune.departement_code.in_(departements), IntercommunalityMembership.ends_on.is_(None))
        )
    )
    return bodies, covered, False


def _load_open_mandates(roles: Iterable[Role]) -> list[_OpenMandate]:
    query = select(
        _MANDATE.id,
        _MANDATE.person_id,
        _MANDATE.role,
        _MANDATE.function_label,
        _MANDATE.starts_on,
        _MANDATE.source,
        _MANDATE.commune_id,
        _MANDATE.intercommunality_id,
        _MANDATE.canton_id,
    ).where(_MANDATE.ends_on.is_(None), _MANDATE.role.in_([r.value for r in roles]))
    found = []
    for values in db.session.execute(query):
        id_, person_id, raw_role, label, starts_on, source, commune_id, epci_id, canton_id = values
        role = Role(raw_role)
        body_ids = {"commune_id": commune_id, "intercommunality_id": epci_id, "canton_id": canton_id}
        attribute = _ROLE_BODY_ATTRIBUTE[role]
        body_id = body_ids[attribute] if attribute is not None else None
        found.append(_OpenMandate(id_, person_id, role, body_id, label, starts_on, source))
    return found


class _PersonMatcher:
    """Finds the existing person a row designates, without ever merging two homonyms."""

    def __init__(self, kind: RneFileKind, fold_cached: Callable[[str], str]) -> None:
        self.kind = kind
        self.known: dict[int, _KnownPerson] = {}
        self.by_identity: dict[tuple[str, str, date | None], int] = {}
        self.by_name: dict[tuple[str, str], list[_KnownPerson]] = {}
        query = select(
            _PERSON.id, _PERSON.civility, _PERSON.first_name, _PERSON.last_name, _PERSON.birth_on
        ).order_by(_PERSON.id)  # the oldest record wins when duplicates exist
        for values in db.session.execute(query):
            known = _KnownPerson(*values)
            self.known[known.id] = known
            name = (fold_cached(known.last_name), fold_cached(known.first_name))
            self.by_identity.setdefault((*name, known.birth_on), known.id)
            self.by_name.setdefault(name, []).append(known)
        self._holders: set[tuple[int, int]] | None = None
        self.completed: dict[int, date] = {}

    def holders(self) -> set[tuple[int, int]]:
        """(person, body) pairs of every mandate, past or present, in bodies of the file's kind."""
        if self._holders is None:
            column = _MANDATE[_KIND_BODY_ATTRIBUTE[self.kind]]
            query = select(_MANDATE.person_id, column).where(column.is_not(None)).distinct()
            self._holders = {(person_id, body_id) for person_id, body_id in db.session.execute(query)}
        return self._holders

    def match(self, last: str, first: str, birth_on: date | None, body_id: int) -> int | None:
        if birth_on is not None:
            found = self.by_identity.get((last, first, birth_on))
            if found is not None:
                return found
        candidates = self.by_name.get((last, first))
        if not candidates:
            return None
        holders = self.holders()
        for person in candidates:
            if (person.id, body_id) not in holders:
                continue
            if birth_on is None:
                return person.id  # no birth date in the file: the same name in the same body
            if person.birth_on is None and person.id not in self.completed:
                # Entered by hand without a birth date: the RNE completes it (once: a second
                # homonym with another birth date is another person).
                self.completed[person.id] = birth_on
                return person.id
        return None


@dataclass
class _Plan:
    """The writes an import needs; new persons are referred to by negative numbers until inserted."""

    new_persons: list[dict[str, object]] = field(default_factory=list)
    # Rows of the mandates to open, by body column and role (one INSERT each).
    new_mandates: dict[tuple[str | None, Role], list[dict[str, object]]] = field(default_factory=dict)
    updates: list[dict[str, object]] = field(default_factory=list)
    closings: list[dict[str, object]] = field(default_factory=list)
    completed: dict[int, date] = field(default_factory=dict)


def import_rne(path: Path, *, on: date | None = None, dry_run: bool = False) -> RneImportReport:
    """Import one RNE file; mandates that disappeared end on `on` (today by default). The caller commits."""
    with _gc_paused():
        kind, rows = parse_rne(read_csv(path))
        return apply_rne(kind, rows, on=on or today_paris(), dry_run=dry_run)


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
    bodies, covered, covers_departement = _load_bodies(kind, rows)
    folded: dict[str, str] = {}

    def fold_cached(value: str) -> str:
        result = folded.get(value)
        if result is None:
            result = folded[value] = fold(value)
        return result

    matcher = _PersonMatcher(kind, fold_cached)
    open_mandates = _load_open_mandates(roles)
    open_by_key = {(m.person_id, m.role, m.body_id): m for m in reversed(open_mandates)}
    matched: set[int] = set()
    person_of: dict[tuple[object, ...], int] = {}  # identity in the file -> person id (< 0: to create)
    plan = _Plan()
    seen: set[tuple[int, Role, int | None]] = set()
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
            attribute = _ROLE_BODY_ATTRIBUTE[role]
            body_id = body.id if attribute is not None else None
            key = (person_id, role, body_id)
            if key in seen:
                continue  # the same person and role twice in the file
            seen.add(key)
            if role in _COUNCIL_ROLES:
                starts_on = row.mandate_on or row.function_on
            else:
                starts_on = row.function_on or row.mandate_on
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
        if mandate.body_id not in covered and not (mandate.body_id is None and covers_departement):
            continue  # a body the file does not cover (another département, an EPCI not in the file)
        ends_on = max(on, mandate.starts_on) if mandate.starts_on else on
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
        _write(plan)
    return report


def _insert_persons(new_persons: list[dict[str, object]]) -> list[int]:
    """Ids of the new persons, in the order of the list."""
    # One INSERT per batch of rows with RETURNING. The rows come back in no guaranteed order,
    # so they are matched on their values: rows with equal values are interchangeable persons.
    statement = (
        insert(_PERSON_TABLE)
        # Constants are written into the SQL (the database clock stamps the rows): every bound
        # parameter costs a conversion per row, a fifth of the insert time on a national file.
        .values(
            created_at=func.now(),
            updated_at=func.now(),
            postal_address=_inline(""),
            notes=_inline(""),
            is_demo=false(),
        )
        .returning(_PERSON.id, _PERSON.civility, _PERSON.first_name, _PERSON.last_name, _PERSON.birth_on)
    )
    ids: dict[tuple[object, ...], list[int]] = {}
    for id_, *values in db.session.execute(statement, new_persons):
        ids.setdefault(tuple(values), []).append(id_)
    return [ids[(p["civility"], p["first_name"], p["last_name"], p["birth_on"])].pop() for p in new_persons]


def _inline(value: str) -> ColumnElement[str]:
    """One of our constants written in the SQL text, rather than a parameter bound for every row."""
    assert re.fullmatch(r"[a-z_]*", value), value  # enum values and "", never data from a file
    return literal_column(f"'{value}'", String())


def _write(plan: _Plan) -> None:
    """Bulk statements: multi-row INSERT ... RETURNING for persons, executemany for the rest."""
    person_ids = _insert_persons(plan.new_persons) if plan.new_persons else []
    for (_, role), group in plan.new_mandates.items():
        for values in group:
            person_id = values["person_id"]
            assert isinstance(person_id, int)
            if person_id < 0:
                values["person_id"] = person_ids[-person_id - 1]
        statement = insert(_MANDATE_TABLE).values(
            role=_inline(_ROLE_VALUE[role]), source=_inline(MandateSource.RNE.value)
        )
        db.session.execute(statement, group)
    if plan.updates:
        db.session.execute(update(Mandate), plan.updates)
    if plan.closings:
        db.session.execute(update(Mandate), plan.closings)
    if plan.completed:
        births = [{"id": person_id, "birth_on": on} for person_id, on in plan.completed.items()]
        db.session.execute(update(Person), births)
    # Bulk statements bypass the identity map: objects loaded before must be read again.
    db.session.expire_all()
