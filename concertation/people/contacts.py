"""Import of organisers' contacts CSV: emails and phones added to persons already in the database.

The RNE carries no email or phone; organisers collect them in a spreadsheet. The file:

- separator `;` or `,` (tab accepted too), UTF-8 with or without BOM (Windows-1252 accepted);
- header line `nom;prenom;date_naissance;email;telephone`, columns in any order, case and accents ignored;
- `nom`, `prenom`: the person's names as in the database (compared without accents or case);
- `date_naissance` (optional column and cell): JJ/MM/AAAA or AAAA-MM-JJ, needed only to tell homonyms apart;
- `person_id` (optional column): the person's number in Concertation, used instead of the names when filled
  (if names are also given they must match);
- `email`, `telephone`: at least one of the two columns; an empty cell leaves the current value unchanged.
  Emails are checked and normalised as in the person form (validation.normalise_email: an accented
  domain is kept, accents before the "@" are refused); French phone numbers are written
  "04 66 49 12 34", foreign ones "+32470123456".

An unknown person, a homonym without birth date, an invalid email or phone: the import stops with the
line number and writes nothing. The caller commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import select, update

from concertation.core.text import fold
from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.people.exceptions import InvalidImportFile
from concertation.people.models import Person
from concertation.people.rne.files import csv_records, detect_delimiter, header_key, parse_date, read_csv
from concertation.people.validation import InvalidPerson, normalise_email

# Shown by `flask people import-contacts --help`; \b keeps Click from rewrapping the list.
CONTACTS_COLUMNS_HELP = """\
Fichier CSV, séparateur « ; » ou « , », UTF-8 (BOM accepté). En-tête :

\b
  nom;prenom;date_naissance;email;telephone

\b
  nom, prenom       noms de la personne déjà enregistrée (accents et casse ignorés)
  date_naissance    facultative, JJ/MM/AAAA ou AAAA-MM-JJ, pour distinguer les homonymes
  person_id         colonne facultative : numéro de la personne, à la place des noms
  email, telephone  au moins une des deux colonnes ; une case vide ne change rien

Une personne inconnue, un homonyme sans date de naissance ou un courriel invalide arrête
l'import avec le numéro de ligne ; rien n'est enregistré."""

_ALIASES = {
    "last_name": ("nom", "nomdefamille"),
    "first_name": ("prenom",),
    "birth_on": ("datenaissance", "datedenaissance"),
    "person_id": ("personid", "idpersonne", "id"),
    "email": ("email", "courriel", "mail", "adresseelectronique"),
    "phone": ("telephone", "tel"),
}


class _Known(NamedTuple):
    id: int
    first_name: str
    last_name: str
    birth_on: date | None
    email: str | None
    phone: str | None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True, slots=True)
class ContactChange:
    person: str
    field: str  # "courriel" or "téléphone"
    old: str | None
    new: str


@dataclass
class ContactsImportReport:
    rows: int = 0
    updated_persons: int = 0
    unchanged: int = 0
    changes: list[ContactChange] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        prefix = "Simulation, rien n'est enregistré. " if self.dry_run else ""
        return (
            f"{prefix}Fichier de contacts : {self.rows} lignes ; personnes mises à jour : "
            f"{self.updated_persons} ; inchangées : {self.unchanged}."
        )

    def details(self) -> list[str]:
        return [f"{c.person} : {c.field} {c.old or '(vide)'} → {c.new}" for c in self.changes]


def normalise_phone(raw: str) -> str | None:
    """French numbers as "04 66 49 12 34", others as "+<digits>"; None when it is not a phone number."""
    compact = re.sub(r"[\s.\-()/]", "", raw)
    if compact.startswith("0033"):
        compact = "+33" + compact[4:]
    if compact.startswith("+33"):
        compact = "0" + compact[3:].removeprefix("0")  # "+33 (0)4 66 ..." is common
    if re.fullmatch(r"0[1-9]\d{8}", compact):
        return " ".join(compact[i : i + 2] for i in range(0, 10, 2))
    if re.fullmatch(r"\+[1-9]\d{6,14}", compact):
        return compact
    return None


def _columns(header: list[str]) -> dict[str, int]:
    keys = [header_key(name) for name in header]
    found: dict[str, int] = {}
    for column, aliases in _ALIASES.items():
        for alias in aliases:
            if alias in keys:
                found[column] = keys.index(alias)
                break
    if "person_id" not in found and not {"last_name", "first_name"} <= found.keys():
        raise InvalidImportFile.single(1, "colonnes « nom » et « prenom » (ou « person_id ») attendues.")
    if "email" not in found and "phone" not in found:
        raise InvalidImportFile.single(1, "colonne « email » ou « telephone » attendue.")
    return found


def import_contacts(path: Path, *, dry_run: bool = False) -> ContactsImportReport:
    """Add the file's emails and phones to existing persons; nothing is written if a line is wrong."""
    text = read_csv(path)
    reader, line_num = csv_records(text, detect_delimiter(text, ";,\t"))
    header = next(reader, None)
    if not header:
        raise InvalidImportFile.single(1, "fichier vide.")
    at = _columns(header)
    known = {
        row.id: row
        for row in (
            _Known(*values)
            for values in db.session.execute(
                select(
                    Person.id,
                    Person.first_name,
                    Person.last_name,
                    Person.birth_on,
                    Person.email,
                    Person.phone,
                )
            )
        )
    }
    by_name: dict[tuple[str, str], list[_Known]] = {}
    for entry in known.values():
        by_name.setdefault((fold(entry.last_name), fold(entry.first_name)), []).append(entry)

    report = ContactsImportReport(dry_run=dry_run)
    errors: list[tuple[int, str]] = []
    wanted: dict[int, dict[str, str]] = {}  # person id -> {"email"/"phone": value}
    first_seen: dict[int, int] = {}  # person id -> line

    for record in reader:
        line = line_num()
        if not any(value.strip() for value in record):
            continue
        report.rows += 1
        person, reason = _find_person(record, at, known, by_name)
        if person is None:
            errors.append((line, reason))
            continue
        values: dict[str, str] = {}
        if raw_email := _cell(record, at, "email"):
            try:
                values["email"] = normalise_email(raw_email) or ""
            except InvalidPerson as error:
                errors.append((line, _sentence(str(error))))
        if raw_phone := _cell(record, at, "phone"):
            phone = normalise_phone(raw_phone)
            if phone is None:
                errors.append((line, f"numéro de téléphone invalide « {raw_phone} »."))
            else:
                values["phone"] = phone
        previous = wanted.setdefault(person.id, {})
        for key, value in values.items():
            if previous.get(key, value) != value:
                seen_on = first_seen[person.id]
                errors.append((line, f"{person.name} figure déjà ligne {seen_on} avec une autre valeur."))
            previous[key] = value
        first_seen.setdefault(person.id, line)
    if errors:
        raise InvalidImportFile(errors)

    changes = []
    stamp = now_utc()
    for person_id, values in wanted.items():
        current = known[person_id]
        email, phone = values.get("email", current.email), values.get("phone", current.phone)
        if (email, phone) == (current.email, current.phone):
            report.unchanged += 1
            continue
        if email != current.email and email is not None:
            report.changes.append(ContactChange(current.name, "courriel", current.email, email))
        if phone != current.phone and phone is not None:
            report.changes.append(ContactChange(current.name, "téléphone", current.phone, phone))
        changes.append({"id": person_id, "email": email, "phone": phone, "updated_at": stamp})
    report.updated_persons = len(changes)
    if changes and not dry_run:
        db.session.execute(update(Person), changes)
        db.session.expire_all()  # the bulk UPDATE bypassed the identity map
    return report


def _sentence(message: str) -> str:
    # "Ligne 3 : adresse électronique ..." reads on after the line number.
    return message[:1].lower() + message[1:]


def _cell(record: list[str], at: dict[str, int], column: str) -> str:
    position = at.get(column)
    return record[position].strip() if position is not None and position < len(record) else ""


def _find_person(
    record: list[str],
    at: dict[str, int],
    known: dict[int, _Known],
    by_name: dict[tuple[str, str], list[_Known]],
) -> tuple[_Known | None, str]:
    """The person a line designates, or None and the French reason."""
    raw_id, last, first = (_cell(record, at, key) for key in ("person_id", "last_name", "first_name"))
    if raw_id:
        person = known.get(int(raw_id)) if raw_id.isascii() and raw_id.isdigit() else None
        if person is None:
            return None, f"aucune personne n° « {raw_id} »."
        if (last or first) and (fold(last), fold(first)) != (fold(person.last_name), fold(person.first_name)):
            return None, f"la personne n° {raw_id} s'appelle « {person.name} », pas « {first} {last} »."
        return person, ""
    if not last or not first:
        return None, "nom et prénom (ou person_id) obligatoires."
    candidates = by_name.get((fold(last), fold(first)), [])
    raw_birth = _cell(record, at, "birth_on")
    if raw_birth:
        try:
            birth_on = parse_date(raw_birth)
        except ValueError:
            return None, f"date de naissance invalide « {raw_birth} »."
        candidates = [p for p in candidates if p.birth_on == birth_on]
    if not candidates:
        born = f" née ou né le {raw_birth}" if raw_birth else ""
        return None, f"personne inconnue « {first} {last} »{born}."
    if len(candidates) > 1:
        return None, (
            f"plusieurs personnes s'appellent « {first} {last} » : "
            "précisez la date de naissance ou le person_id."
        )
    return candidates[0], ""
