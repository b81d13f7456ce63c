"""The shipped Lozère reference data, loaded the way `make run` loads it."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func, select

from concertation.extensions import db
from concertation.territory.importer import DATA_DIR, load_lozere
from concertation.territory.models import Canton, Commune, Intercommunality, Sector
from concertation.territory.services import sector_by_town


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_lozere_counts(lozere: None) -> None:
    assert _count(Commune) == 152
    assert _count(Intercommunality) == 11
    assert _count(Canton) == 13
    assert _count(Sector) == 5


def test_only_lozere_members_are_loaded(lozere: None) -> None:
    """CC Mont Lozère has two Gard communes and CC de Millau fourteen Aveyron ones: they stay out."""
    source = json.loads((DATA_DIR / "epci.json").read_text(encoding="utf-8"))
    expected = {e["code"]: sum(m["code"].startswith("48") for m in e["membres"]) for e in source["epci"]}
    loaded = {
        e.siren: len(e.communes_on(date(2026, 6, 1))) for e in db.session.scalars(select(Intercommunality))
    }
    assert loaded == expected
    assert loaded["241200567"] == 1  # Le Rozier alone in the CC de Millau Grands Causses
    assert loaded["200069128"] == 19  # CC Mont Lozère without Ponteils-et-Brésis and Malons-et-Elze


def test_le_rozier_belongs_to_millau_and_florac_sector(lozere: None) -> None:
    rozier = db.session.scalar(select(Commune).where(Commune.insee_code == "48131"))
    assert rozier is not None
    epci = rozier.intercommunality_on(date(2026, 6, 1))
    assert epci is not None and epci.name == "CC de Millau Grands Causses"
    florac = sector_by_town("48061")
    assert florac is not None
    assert rozier in florac.communes_on(date(2026, 6, 1))
    assert all(
        rozier not in s.communes_on(date(2026, 6, 1))
        for s in db.session.scalars(select(Sector))
        if s is not florac
    )


def test_mende_is_in_two_cantons(lozere: None) -> None:
    mende = db.session.scalar(select(Commune).where(Commune.insee_code == "48095"))
    assert mende is not None
    assert [c.code for c in mende.cantons] == ["4809", "4810"]


def test_gevaudan_has_twelve_communes(lozere: None) -> None:
    gevaudan = db.session.scalar(select(Intercommunality).where(Intercommunality.siren == "244800470"))
    assert gevaudan is not None
    assert len(gevaudan.communes_on(date(2026, 6, 1))) == 12
    # Memberships carry dates: the 2017 map did not exist in 2015.
    assert gevaudan.communes_on(date(2015, 6, 1)) == []


def test_load_is_idempotent(lozere: None) -> None:
    report = load_lozere()
    db.session.commit()
    assert report.summary() == "aucun changement"
    assert _count(Commune) == 152
