"""Reading a CSV file as the RNE and spreadsheets write it: encoding, delimiter, header keys, dates.

Nothing here is specific to the RNE columns, which is why the contacts import reads its files with the
same functions.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

from concertation.core.text import fold
from concertation.people.exceptions import InvalidImportFile, PeopleError


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


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise PeopleError(f"Fichier {path.name} illisible : {error.strerror or error}.") from error


def read_csv(path: Path) -> str:
    return decode_csv(read_bytes(path))


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
