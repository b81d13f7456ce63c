"""Synthetic national-size RNE data: communes for a fresh database and the matching maires file."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

MAIRES_HEADER = [
    "Code du département",
    "Libellé du département",
    "Code de la collectivité à statut particulier",
    "Libellé de la collectivité à statut particulier",
    "Code de la commune",
    "Libellé de la commune",
    "Nom de l'élu",
    "Prénom de l'élu",
    "Code sexe",
    "Date de naissance",
    "Code de la catégorie socio-professionnelle",
    "Libellé de la catégorie socio-professionnelle",
    "Date de début du mandat",
    "Date de début de la fonction",
]

LAST_NAMES = [
    "MARTIN",
    "BERNARD",
    "THOMAS",
    "PETIT",
    "ROBERT",
    "RICHARD",
    "DURAND",
    "DUBOIS",
    "MOREAU",
    "LAURENT",
    "SIMON",
    "MICHEL",
    "LEFÈVRE",
    "LEROY",
    "ROUX",
    "DAVID",
    "BERTRAND",
    "MOREL",
    "FOURNIER",
    "GIRARD",
    "BONNET",
    "DUPONT",
    "LAMBERT",
    "FONTAINE",
    "ROUSSEAU",
    "VINCENT",
    "MULLER",
    "LEFEBVRE",
    "FAURE",
    "ANDRÉ",
    "MERCIER",
    "BLANC",
    "GUÉRIN",
    "BOYER",
    "GARNIER",
    "CHEVALIER",
    "FRANÇOIS",
    "LEGRAND",
    "GAUTHIER",
    "GARCIA",
]
MEN = [
    "Jean",
    "Pierre",
    "Michel",
    "André",
    "Philippe",
    "René",
    "Louis",
    "Alain",
    "Jacques",
    "Bernard",
    "Jérôme",
    "François",
]
WOMEN = [
    "Marie",
    "Hélène",
    "Nathalie",
    "Isabelle",
    "Sylvie",
    "Catherine",
    "Françoise",
    "Christine",
    "Anne",
    "Valérie",
    "Sophie",
    "Cécile",
]
FIRST_NAMES = [("M", name) for name in MEN] + [("F", name) for name in WOMEN]
CSP = [("23", "Chefs d'entreprise"), ("33", "Cadres de la fonction publique"), ("71", "Anciens agriculteurs")]


def departements(n_communes: int, per_departement: int = 350) -> list[str]:
    """Two-digit département codes, enough for n communes of `per_departement` each."""
    count = -(-n_communes // per_departement)
    return [f"{code:02d}" for code in range(1, count + 1)]


def communes(n: int) -> list[dict[str, object]]:
    """Commune rows for `insert(Commune)`: INSEE codes <département><3 digits>."""
    rows: list[dict[str, object]] = []
    for departement in departements(n):
        for number in range(1, 351):
            if len(rows) == n:
                return rows
            rows.append(
                {
                    "insee_code": f"{departement}{number:03d}",
                    "name": f"Commune {departement}-{number:03d}",
                    "departement_code": departement,
                    "siren": None,
                    "postal_codes": "",
                    "population": None,
                }
            )
    return rows


def maires(commune_rows: list[dict[str, object]], *, seed: int = 2020) -> list[list[str]]:
    """One maire per commune, with homonyms (the name lists are short) and realistic dates."""
    rng = random.Random(seed)
    rows = []
    for commune in commune_rows:
        sex, first = rng.choice(FIRST_NAMES)
        birth = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 50))
        code, label = rng.choice(CSP)
        start = date(2020, 5, 23) + timedelta(days=rng.randrange(60))
        rows.append(
            [
                str(commune["departement_code"]),
                f"Département {commune['departement_code']}",
                "",
                "",
                str(commune["insee_code"]),
                str(commune["name"]),
                rng.choice(LAST_NAMES),
                first,
                sex,
                birth.strftime("%d/%m/%Y"),
                code,
                label,
                "15/03/2020",
                start.strftime("%d/%m/%Y"),
            ]
        )
    return rows


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """`;`-separated UTF-8, as the Ministry publishes it."""
    lines = [";".join(header), *(";".join(row) for row in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
