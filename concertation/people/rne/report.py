"""What an RNE import did: the mandates it opened, closed or updated, for the CLI to print.

A plain value, separate from the import itself, so that a dry run and a real run report alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from concertation.people.models import Role, describe_quality
from concertation.people.rne.kinds import RneFileKind


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
    file_on: date | None = None  # the file's date: its latest start date (None from apply_rne alone)

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
