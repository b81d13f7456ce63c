"""RNE files written with the exact headers of the Répertoire national des élus, and what the import left."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import func, select

from concertation.extensions import db
from concertation.people.models import Mandate, Person, Role
from concertation.territory.models import Commune

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
CD_HEADER = [
    "Code du département",
    "Libellé du département",
    "Code du canton",
    "Libellé du canton",
    "Nom de l'élu",
    "Prénom de l'élu",
    "Code sexe",
    "Date de naissance",
    "Code de la catégorie socio-professionnelle",
    "Libellé de la catégorie socio-professionnelle",
    "Date de début du mandat",
    "Libellé de la fonction",
    "Date de début de la fonction",
]
EPCI_HEADER = [
    "Code du département",
    "Libellé du département",
    "Code de la collectivité à statut particulier",
    "Libellé de la collectivité à statut particulier",
    "N° SIREN",
    "Libellé de l'EPCI",
    "Code de la commune de rattachement",
    "Libellé de la commune de rattachement",
    "Nom de l'élu",
    "Prénom de l'élu",
    "Code sexe",
    "Date de naissance",
    "Code de la catégorie socio-professionnelle",
    "Libellé de la catégorie socio-professionnelle",
    "Date de début du mandat",
    "Libellé de la fonction",
    "Date de début de la fonction",
]


def maire(
    insee: str,
    last: str,
    first: str,
    birth: str = "12/03/1960",
    *,
    sex: str = "M",
    starts: str = "03/07/2020",
    departement: str = "48",
) -> list[str]:
    return [
        departement,
        "Lozère",
        "",
        "",
        insee,
        "",
        last,
        first,
        sex,
        birth,
        "23",
        "Cadres",
        "15/03/2020",
        starts,
    ]


def conseiller_departemental(
    canton: str, last: str, first: str, birth: str, function: str = "", *, sex: str = "F"
) -> list[str]:
    starts = "01/07/2021" if function else ""
    return [
        "48",
        "Lozère",
        canton,
        "",
        last,
        first,
        sex,
        birth,
        "33",
        "Cadres",
        "27/06/2021",
        function,
        starts,
    ]


def conseiller_communautaire(siren: str, last: str, first: str, birth: str, function: str = "") -> list[str]:
    starts = "15/07/2020" if function else ""
    row = ["48", "Lozère", "", "", siren, "", "48092", "Marvejols", last, first, "M", birth, "23", "Cadres"]
    return [*row, "28/06/2020", function, starts]


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    separator: str = ";",
    encoding: str = "utf-8",
) -> Path:
    lines = [separator.join(header), *(separator.join(row) for row in rows)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


# Five Gévaudan communes with their maire, born on distinct dates.
FIRST_TERM = [
    maire("48092", "DURAND", "Pierre", "01/02/1955"),
    maire("48099", "MARTIN", "Hélène", "14/07/1962", sex="F"),
    maire("48103", "BERNARD", "Jean", "22/10/1970"),
    maire("48005", "PETIT", "Anne", "05/05/1966", sex="F"),
    maire("48032", "ROUX", "Michel", "30/09/1958"),
    maire("12145", "FABRE", "Luc", "03/03/1961", departement="12"),  # Millau: not in the database
]


def count(model: type) -> int:
    db.session.rollback()  # read what is committed, as the next command would
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def open_maires() -> dict[str, str]:
    rows = db.session.execute(
        select(Commune.insee_code, Person.last_name)
        .join(Mandate, Mandate.commune_id == Commune.id)
        .join(Person, Person.id == Mandate.person_id)
        .where(Mandate.role == Role.MAIRE, Mandate.ends_on.is_(None))
    )
    return dict(rows.all())
