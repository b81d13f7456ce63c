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


# Two-character département codes as INSEE writes them: no "20", Corsica is 2A and 2B. With the
# national average of 350 communes each, these 100 départements hold the 35,000 communes of the default run.
DEPARTEMENTS = [
    *(f"{code:02d}" for code in range(1, 20)),
    "2A",
    "2B",
    *(str(code) for code in range(21, 100)),
]
PER_DEPARTEMENT = 350


def departements(n_communes: int) -> list[tuple[str, int]]:
    """(département code, number of communes) covering n communes: 350 each, more when n needs it.

    A commune's number within its département has three digits, so that every INSEE code has five
    characters (the importer refuses any other): at most 999 communes per département.
    """
    per_departement = max(PER_DEPARTEMENT, -(-n_communes // len(DEPARTEMENTS)))
    if per_departement > 999:
        raise ValueError(f"{n_communes} communes: at most {999 * len(DEPARTEMENTS)} with 5-character codes")
    count = -(-n_communes // per_departement)
    return [(code, per_departement) for code in DEPARTEMENTS[:count]]


def communes(n: int) -> list[dict[str, object]]:
    """Commune rows for `insert(Commune)`: INSEE codes <département><3 digits>, five characters."""
    rows: list[dict[str, object]] = []
    for departement, size in departements(n):
        for number in range(1, size + 1):
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
