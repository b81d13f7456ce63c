"""Reference-data import: the découpage administratif (communes, EPCIs), cantons and sectors."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from concertation.core.text import sort_key
from concertation.extensions import db
from concertation.territory.exceptions import InvalidReferenceData
from concertation.territory.models import (
    Canton,
    Commune,
    FormerCommune,
    Intercommunality,
    IntercommunalityMembership,
    Sector,
)

_Row = TypeVar("_Row", Commune, Intercommunality, Canton)

DATA_DIR = Path(__file__).resolve().parent / "data"
# The Lozère map of intercommunalities took effect on 1 January 2017 (SDCI 2016).
LOZERE_MAP_EFFECTIVE_ON = date(2017, 1, 1)


@dataclass
class ImportReport:
    """What an import created, updated and closed, for the CLI and the logs."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    closed: dict[str, int] = field(default_factory=dict)

    def count(self, bucket: str, kind: str, n: int = 1) -> None:
        target = getattr(self, bucket)
        target[kind] = target.get(kind, 0) + n

    def summary(self) -> str:
        parts = []
        for label, bucket in (("créés", self.created), ("mis à jour", self.updated), ("clos", self.closed)):
            if bucket:
                parts.append(label + " : " + ", ".join(f"{n} {k}" for k, n in sorted(bucket.items())))
        return " ; ".join(parts) or "aucun changement"


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidReferenceData(f"Fichier {path.name} illisible : {error}") from error


def _require(item: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in item or item[key] in (None, ""):
        raise InvalidReferenceData(f"{where} : champ « {key} » manquant.")
    return item[key]


def _listed(doc: Any, key: str, what: str) -> list[Any]:
    """The list under `key` of a shipped reference file; refused when it is missing or empty."""
    items = doc.get(key) if isinstance(doc, dict) else None
    if not items:
        raise InvalidReferenceData(f"Fichier des {what} : liste « {key} » absente.")
    return list(items)


def _communes_by_code() -> dict[str, Commune]:
    return {c.insee_code: c for c in db.session.scalars(select(Commune))}


def _communes_list(doc: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Current and former communes from either the bare npm array or the shipped wrapper object."""
    if isinstance(doc, dict):
        current = doc.get("communes", [])
        former = doc.get("former_communes", [])
        return list(current), list(former)
    if isinstance(doc, list):
        current = [c for c in doc if c.get("type", "commune-actuelle") == "commune-actuelle"]
        former = [c for c in doc if c.get("type") in {"commune-deleguee", "commune-associee"}]
        return current, former
    raise InvalidReferenceData("Fichier des communes : une liste de communes est attendue.")


def _epci_list(doc: Any) -> list[dict[str, Any]]:
    if isinstance(doc, dict):
        return list(doc.get("epci", []))
    if isinstance(doc, list):
        return doc
    raise InvalidReferenceData("Fichier des EPCI : une liste d'EPCI est attendue.")


def import_decoupage(
    communes_doc: Any,
    epci_doc: Any,
    departement: str,
    *,
    effective_on: date | None = None,
) -> ImportReport:
    """Upsert the communes of a département and the EPCIs with a member in it.

    Memberships that appear start on `effective_on`; those that disappeared end the day before.
    Validation happens before any write, so a bad file changes nothing. The caller commits.
    """
    report = ImportReport()
    current, former = _communes_list(communes_doc)
    rows = [c for c in current if str(c.get("departement", "")) == departement]
    if not rows:
        raise InvalidReferenceData(f"Aucune commune du département {departement} dans le fichier.")
    for index, row in enumerate(rows, start=1):
        _require(row, "code", f"Commune n° {index}")
        _require(row, "nom", f"Commune {row.get('code')}")
    epcis = _epci_list(epci_doc)
    for index, item in enumerate(epcis, start=1):
        _require(item, "code", f"EPCI n° {index}")
        _require(item, "nom", f"EPCI {item.get('code')}")

    existing = _communes_by_code()
    communes: dict[str, Commune] = {}
    for row in rows:
        code = str(row["code"])
        commune = existing.get(code)
        values = {
            "name": row["nom"],
            "departement_code": departement,
            "siren": row.get("siren"),
            "postal_codes": ",".join(row.get("codesPostaux", [])),
            "population": row.get("population"),
        }
        communes[code] = _upsert(commune, Commune, {"insee_code": code}, values, report, "communes")
    db.session.flush()
    _import_former_communes(former, communes, departement, report)
    _import_epcis(epcis, communes, effective_on, report)
    return report


def _upsert(
    row: _Row | None,
    model: type[_Row],
    key: Mapping[str, Any],
    values: Mapping[str, Any],
    report: ImportReport,
    what: str,
) -> _Row:
    """`row` brought up to `values`, or a new `model` with `key` and `values` added when there is none;
    counted in `report` either way."""
    if row is None:
        row = model(**key, **values)
        db.session.add(row)
        report.count("created", what)
    elif _assign(row, values):
        report.count("updated", what)
    return row


def _assign(obj: object, values: Mapping[str, Any]) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def _import_former_communes(
    former: Iterable[dict[str, Any]], communes: Mapping[str, Commune], departement: str, report: ImportReport
) -> None:
    known = {(f.insee_code, f.kind): f for f in db.session.scalars(select(FormerCommune))}
    for row in former:
        if str(row.get("departement", departement)) != departement:
            continue
        parent = communes.get(str(row.get("chefLieu", "")))
        if parent is None:
            continue
        key = (str(row["code"]), str(row.get("type", "commune-deleguee")))
        item = known.get(key)
        if item is None:
            db.session.add(FormerCommune(insee_code=key[0], kind=key[1], name=row["nom"], commune=parent))
            report.count("created", "anciennes communes")
        elif _assign(item, {"name": row["nom"], "commune_id": parent.id}):
            report.count("updated", "anciennes communes")


def _import_epcis(
    epcis: Iterable[dict[str, Any]],
    communes: Mapping[str, Commune],
    effective_on: date | None,
    report: ImportReport,
) -> None:
    existing = {
        e.siren: e
        for e in db.session.scalars(
            select(Intercommunality).options(selectinload(Intercommunality.memberships))
        )
    }
    for item in epcis:
        members = [communes[m["code"]] for m in item.get("membres", []) if m.get("code") in communes]
        if not members:
            continue  # an EPCI with no member in this département
        siren = str(item["code"])
        values = {
            "name": item["nom"],
            "kind": item.get("type", "CC"),
            "population": item.get("populationTotale"),
        }
        epci = _upsert(
            existing.get(siren),
            Intercommunality,
            {"siren": siren},
            values,
            report,
            "intercommunalités",
        )
        _sync_memberships(epci, members, effective_on, report)
    db.session.flush()


def _sync_memberships(
    epci: Intercommunality, members: list[Commune], effective_on: date | None, report: ImportReport
) -> None:
    open_by_commune = {m.commune_id: m for m in epci.memberships if m.ends_on is None}
    wanted = {c.id: c for c in members if c.id is not None}
    for commune in members:
        if commune.id in open_by_commune:
            continue
        # A commune moving from another EPCI: close its old membership first.
        for other in list(commune.memberships):
            if other.ends_on is None and other.intercommunality is not epci:
                other.ends_on = (effective_on or date.today()) - timedelta(days=1)
                report.count("closed", "adhésions")
        epci.memberships.append(IntercommunalityMembership(commune=commune, starts_on=effective_on))
        report.count("created", "adhésions")
    for commune_id, membership in open_by_commune.items():
        if commune_id not in wanted:
            membership.ends_on = (effective_on or date.today()) - timedelta(days=1)
            report.count("closed", "adhésions")


def import_cantons(doc: Any) -> ImportReport:
    """Upsert cantons and their communes from the shipped cantons.json format. The caller commits."""
    report = ImportReport()
    items = _listed(doc, "cantons", "cantons")
    communes = _communes_by_code()
    for index, item in enumerate(items, start=1):
        where = f"Canton n° {index}"
        _require(item, "code", where)
        _require(item, "name", where)
        unknown = [code for code in item.get("communes", []) if code not in communes]
        if unknown:
            raise InvalidReferenceData(f"Canton {item['code']} : communes inconnues {', '.join(unknown)}.")
    existing = {c.code: c for c in db.session.scalars(select(Canton))}
    for item in items:
        values = {"name": item["name"], "seat_insee_code": item.get("bureau_centralisateur_code")}
        canton = _upsert(
            existing.get(item["code"]), Canton, {"code": item["code"]}, values, report, "cantons"
        )
        wanted = sorted((communes[code] for code in item.get("communes", [])), key=lambda c: sort_key(c.name))
        if {c.id for c in canton.communes} != {c.id for c in wanted}:
            if canton.id is not None:
                report.count("updated", "compositions de canton")
            canton.communes = wanted
    db.session.flush()
    return report


def load_sectors(doc: Any) -> ImportReport:
    """Create the default sectors of the main towns; sectors already present are left as edited."""
    report = ImportReport()
    items = _listed(doc, "bassins", "secteurs")
    communes = _communes_by_code()
    epcis = {e.siren: e for e in db.session.scalars(select(Intercommunality))}
    present = {s.town_id for s in db.session.scalars(select(Sector))}
    for item in items:
        town = communes.get(item.get("insee", ""))
        if town is None:
            raise InvalidReferenceData(f"Secteur {item.get('town')} : commune {item.get('insee')} inconnue.")
        if town.id in present:
            continue
        missing = [s for s in item.get("intercommunalities", []) if s not in epcis]
        if missing:
            raise InvalidReferenceData(f"Secteur {item['town']} : EPCI inconnus {', '.join(missing)}.")
        sector = Sector(
            name=item["town"],
            town=town,
            intercommunalities=[epcis[s] for s in item.get("intercommunalities", [])],
            extra_communes=[communes[c] for c in item.get("extra_communes", []) if c in communes],
        )
        db.session.add(sector)
        report.count("created", "secteurs")
    db.session.flush()
    return report


def load_lozere() -> ImportReport:
    """Load the shipped Lozère reference data; safe to run again. The caller commits."""
    report = import_decoupage(
        read_json(DATA_DIR / "communes.json"),
        read_json(DATA_DIR / "epci.json"),
        "48",
        effective_on=LOZERE_MAP_EFFECTIVE_ON,
    )
    for other in (
        import_cantons(read_json(DATA_DIR / "cantons.json")),
        load_sectors(read_json(DATA_DIR / "bassins.json")),
    ):
        for bucket in ("created", "updated", "closed"):
            for kind, n in getattr(other, bucket).items():
                report.count(bucket, kind, n)
    return report
