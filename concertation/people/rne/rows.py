"""Parsing and validating the rows of an RNE file, before anything touches the database.

The whole file is read here and every bad line is reported at once (InvalidImportFile), so that a
file with one bad line changes nothing and the operator fixes all of them in one go.
"""

from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple

from concertation.people.exceptions import InvalidImportFile
from concertation.people.rne.files import csv_records, detect_delimiter, header_key, parse_date
from concertation.people.rne.kinds import RneFileKind

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


# An INSEE commune code: five digits, or 2A/2B and three digits in Corsica.
_INSEE_CODE = re.compile(r"\d[\dAB]\d{3}")


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
        elif kind is RneFileKind.MAIRES and not _INSEE_CODE.fullmatch(
            body.zfill(5) if body.isdigit() else body
        ):
            errors.append(
                (line, f"{body_label.lower()} invalide « {body} » (code INSEE à 5 caractères attendu).")
            )
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
