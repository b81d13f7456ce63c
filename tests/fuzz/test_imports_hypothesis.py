"""Hypothesis on the CSV imports: generated RNE and contacts files, plausible and broken.

Files are written with the real RNE headers (sometimes a column dropped, renamed, moved or added),
random rows (accents, long names, odd characters, dates valid or not, codes of real or unknown bodies,
short or long rows, empty lines), a random separator, quoting, line ending, encoding and BOM. The import
either succeeds or raises InvalidImportFile whose message names its lines ("Ligne N : ...") in French,
and then the database is exactly as before; no other exception ever escapes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from concertation.extensions import db
from concertation.people.contacts import import_contacts
from concertation.people.exceptions import InvalidImportFile
from concertation.people.models import Mandate, Person, Role
from concertation.people.rne import header_key, import_rne
from tests.common import db as f
from tests.common.fuzz import FUZZ, english_words, table_counts
from tests.common.rne import CD_HEADER, EPCI_HEADER, FIRST_TERM, MAIRES_HEADER, write_csv

pytestmark = pytest.mark.usefixtures("lozere")

EXAMPLES = FUZZ.max_examples

# --- Cells --------------------------------------------------------------------------------------------

# Any text a spreadsheet may hold, control characters and astral planes included (no surrogates: a file
# is bytes, and these are written as UTF-8 or a single-byte encoding).
any_text = st.text(st.characters(codec="utf-8"), max_size=12)
names = st.one_of(
    st.sampled_from(["DURAND", "Martin", "MARTIN", "Hélène", "Jean-Édouard", "D'ARTOIS", "Ñúñez", "Œillet"]),
    st.text(st.characters(categories=["Lu", "Ll", "Zs", "Pd"]), min_size=1, max_size=20),
    st.sampled_from(["x" * 101, "É" * 150, " ", "   PETIT  "]),
    any_text,
)
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31))
dates = st.one_of(
    days.map(lambda d: d.strftime("%d/%m/%Y")),
    days.map(date.isoformat),
    st.sampled_from(["", "31/02/1960", "3/7/20", "2020-13-01", "00/00/0000", "12/03/19601", "٠١/٠٢/١٩٥٥"]),
    st.sampled_from(["²³/01/1960", "1960/01/12", "12-03-1960", "12/03/-960", "9999-99-99"]),
    any_text,
)
INSEE = ["48092", "48099", "48103", "48005", "48032", "48095", "48072", "12145", "2A004", "8092", "48999"]
CANTONS = ["01", "1", "09", "4809", "10", "4810", "13", "99", "1201", "4899"]
SIRENS = ["244800470", "244800405", "200066666", "24480047", "0244800470"]
FUNCTIONS = [
    "",
    "Maire",
    "Premier adjoint",
    "Président du conseil communautaire",
    "PRÉSIDENTE DU CONSEIL DÉPARTEMENTAL",
    "2e  VICE-PRÉSIDENT",
    "1ère vice-présidente du Conseil départemental",
    "Membre du bureau",
]


def cell(column: str) -> st.SearchStrategy[str]:
    """Plausible values of an RNE column, mixed with anything."""
    key = header_key(column)
    if key.startswith("date"):
        return dates
    specific: dict[str, st.SearchStrategy[str]] = {
        "codedudepartement": st.sampled_from(["48", "48", "12", "2A", "4", " 48 "]),
        "codedelacommune": st.sampled_from(INSEE),
        "codeducanton": st.sampled_from(CANTONS),
        "nsiren": st.sampled_from(SIRENS),
        "codesexe": st.sampled_from(["M", "F", "H", "f", "X", ""]),
        "libelledelafonction": st.sampled_from(FUNCTIONS),
        "nomdelelu": names,
        "prenomdelelu": names,
    }
    # Mostly plausible, so that many files get through to the writes; one time in four, anything.
    if key in specific:
        return st.one_of(specific[key], specific[key], specific[key], any_text)
    return st.one_of(st.just(""), st.just(""), st.just(""), any_text)


# --- Files --------------------------------------------------------------------------------------------


@st.composite
def header_and_rows(draw: st.DrawFn, header: list[str], row: Callable[[list[str]], Any]) -> Any:
    """A header (maybe with a column dropped, moved, added or respelled) and rows that follow it."""
    columns = list(header)
    change = draw(st.sampled_from(["none", "none", "none", "none", "drop", "move", "add", "respell"]))
    if change == "drop":
        columns.pop(draw(st.integers(0, len(columns) - 1)))
    elif change == "move":
        columns = draw(st.permutations(columns))
    elif change == "add":
        columns.insert(draw(st.integers(0, len(columns))), draw(st.sampled_from(["Commentaire", "", "Nom"])))
    elif change == "respell":
        columns = [name.upper() if draw(st.booleans()) else name for name in columns]
    rows = draw(st.lists(row(columns), max_size=8))
    return columns, rows


@st.composite
def rne_rows(draw: st.DrawFn, columns: list[str]) -> list[str]:
    values = [draw(cell(column)) for column in columns]
    shape = draw(st.sampled_from(["full"] * 7 + ["short", "long", "empty"]))
    if shape == "short":
        values = values[: draw(st.integers(0, len(values) - 1))]
    elif shape == "long":
        values.append(draw(any_text))
    elif shape == "empty":
        values = [""] * len(values)
    return values


@st.composite
def csv_bytes(draw: st.DrawFn, tables: st.SearchStrategy[Any], separators: str) -> bytes:
    """A table written as a spreadsheet would: separator, quoting, line ending, encoding, BOM."""
    header, rows = draw(tables)
    separator = draw(st.sampled_from(separators))
    ending = draw(st.sampled_from(["\r\n", "\n"]))
    lines = []
    for values in [header, *rows]:
        if draw(st.booleans()):
            out = io.StringIO()
            csv.writer(out, delimiter=separator, lineterminator="").writerow(values)
            lines.append(out.getvalue())
        else:
            lines.append(separator.join(values))  # no quoting: a separator in a cell shifts the columns
        if draw(st.integers(0, 9)) == 7:  # not 0: Hypothesis draws the bounds far more often
            lines.append("")
    if draw(st.integers(0, 49)) == 37:
        lines.append("x" * 140_000)  # beyond the csv module's field size limit
    text = ending.join(lines) + draw(st.sampled_from([ending, ""]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1"]))
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode("utf-8")


rne_files = st.sampled_from([MAIRES_HEADER, CD_HEADER, EPCI_HEADER]).flatmap(
    lambda header: csv_bytes(header_and_rows(header, rne_rows), ";\t")
)

# --- Checks -------------------------------------------------------------------------------------------


def database_state() -> tuple[dict[str, int], list[Any], list[Any]]:
    """Row counts of every table and the persons and mandates, as this session sees them (unflushed
    changes included: the import must not have written anything when it refuses a file)."""
    db.session.flush()
    persons = db.session.execute(
        select(
            Person.id, Person.first_name, Person.last_name, Person.birth_on, Person.email, Person.phone
        ).order_by(Person.id)
    ).all()
    mandates = db.session.execute(
        select(Mandate.id, Mandate.person_id, Mandate.role, Mandate.function_label, Mandate.starts_on)
        .add_columns(Mandate.ends_on)
        .order_by(Mandate.id)
    ).all()
    return table_counts(), list(persons), list(mandates)


def assert_names_lines(error: InvalidImportFile) -> None:
    message = str(error)
    assert error.errors, message
    for line, reason in error.errors:
        assert line >= 1 and reason, message
        found = english_words(reason)
        assert not found, f"message en anglais ({', '.join(sorted(found))}) : {reason!r}"
    for text in message.split("\n"):  # not splitlines(): a cell may hold \x1e, \x85 or \u2028
        assert text.startswith("Ligne ") or text.startswith("… et "), message


def check_import(run: Callable[[], object]) -> None:
    before = database_state()
    try:
        run()
    except InvalidImportFile as error:
        assert_names_lines(error)
        assert database_state() == before
    finally:
        db.session.rollback()  # the caller owns the transaction: the next example starts afresh


# --- RNE ----------------------------------------------------------------------------------------------


@pytest.fixture()
def elected(tmp_path: Path) -> Path:
    """Maires already imported from the RNE and a manual mandate, so that imports also close and update."""
    import_rne(write_csv(tmp_path / "maires-2020.csv", MAIRES_HEADER, FIRST_TERM), on=date(2020, 7, 10))
    manual = f.person("SUAU", "Laurent", birth_on=date(1970, 1, 1))
    f.mandate(manual, Role.MAIRE, f.commune("48095"))
    db.session.commit()
    return tmp_path / "fuzz.csv"


@given(data=rne_files)
@FUZZ
def test_rne_import_succeeds_or_names_its_lines(elected: Path, data: bytes) -> None:
    elected.write_bytes(data)
    check_import(lambda: import_rne(elected))


# --- Contacts -----------------------------------------------------------------------------------------

CONTACT_COLUMNS = {
    "nom": ["nom", "Nom de famille", "NOM"],
    "prenom": ["prenom", "Prénom"],
    "date_naissance": ["date_naissance", "Date de naissance"],
    "person_id": ["person_id", "id", "ID personne"],
    "email": ["email", "Courriel", "Adresse électronique", "mail"],
    "telephone": ["telephone", "Tél.", "tel"],
    "autre": ["adresse", "commentaire"],
}
emails = st.one_of(
    st.emails(),
    st.sampled_from(
        ["pierre.durand@marvejols.fr", "HELENE@EXAMPLE.ORG", "élu@mairie-mende.fr", "a@b", "a@@b.fr"]
    ),
    st.sampled_from(["", "x" * 250 + "@lozere.fr", "p.durand@xn--80ak6aa92e.com", "@lozere.fr"]),
    any_text,
)
phones = st.one_of(
    st.from_regex(r"0[1-9]( ?\d\d){4}", fullmatch=True),
    st.sampled_from(["+33 4 66 49 12 34", "0033 (0)4 66 32 00 45", "+32 470 12 34 56", "12 34", "", "tél"]),
    any_text,
)


@st.composite
def contact_rows(draw: st.DrawFn, columns: list[str], ids: list[int]) -> list[str]:
    values = {
        "nom": names,
        "prenom": names,
        "date_naissance": dates,
        "person_id": st.one_of(st.sampled_from([str(i) for i in ids] or ["1"]), any_text, st.just("²")),
        "email": emails,
        "telephone": phones,
        "autre": any_text,
    }
    row = [draw(values[logical]) for logical in columns]
    return row


@st.composite
def contacts_files(draw: st.DrawFn, ids: list[int]) -> bytes:
    logical = draw(st.lists(st.sampled_from(sorted(CONTACT_COLUMNS)), unique=True, min_size=1, max_size=6))
    if draw(st.integers(0, 9)) and not {"email", "telephone"} & set(logical):
        logical.append(draw(st.sampled_from(["email", "telephone"])))  # mostly a file the import can read
    header = [draw(st.sampled_from(CONTACT_COLUMNS[name])) for name in logical]
    rows = draw(st.lists(contact_rows(logical, ids), max_size=8))
    return draw(csv_bytes(st.just((header, rows)), ";,\t"))


@pytest.fixture()
def contacts(tmp_path: Path) -> tuple[Path, list[int]]:
    """Homonyms, a person with an email, and the persons of the CC du Gévaudan."""
    f.person("DURAND", "Pierre", email=None, birth_on=date(1955, 2, 1))
    f.person("DURAND", "Pierre", email=None, birth_on=date(1981, 9, 9))
    f.person("MARTIN", "Hélène", email="old@example.org")
    f.gevaudan_elus()
    db.session.commit()
    ids = list(db.session.scalars(select(Person.id).order_by(Person.id)))
    return tmp_path / "contacts.csv", ids


@given(data=st.data())
@FUZZ
def test_contacts_import_succeeds_or_names_its_lines(contacts: tuple[Path, list[int]], data: Any) -> None:
    path, ids = contacts
    path.write_bytes(data.draw(contacts_files(ids)))
    check_import(lambda: import_contacts(path))
