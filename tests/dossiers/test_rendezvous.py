"""The Mende Rendez-vous de Territoire: one section per CC of the sector, with the figures of `/plan`."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient

from concertation.accounts.models import UserRole
from concertation.dossiers.services import generate_dossier
from concertation.dossiers.typography import euros
from concertation.extensions import db
from tests.common.db import dossiers as d
from tests.common.http import bearer
from tests.common.pdf import flat, pdf_text

pytestmark = pytest.mark.usefixtures("lozere")


def test_mende_rendez_vous_has_one_section_per_cc_with_the_plan_figures(
    app: Flask, client: FlaskClient, api_token: Callable[..., str]
) -> None:
    d.demo_data()
    meeting = d.mende_rendez_vous()
    sector = meeting.sector
    assert sector is not None and len(sector.intercommunalities) >= 2
    document = generate_dossier(meeting, folder=d.folder(app))
    db.session.commit()
    text = flat(pdf_text((d.folder(app) / str(meeting.id) / document.stored_name).read_bytes()))
    assert f"Le secteur de {sector.name}" in text
    assert text.count("Le contrat en bref") == len(sector.intercommunalities)

    headers = bearer(api_token(UserRole.LECTEUR))
    names = [epci.name for epci in sector.intercommunalities]
    starts = sorted((text.index(f"{name} Le contrat en bref"), name) for name in names)
    for position, (start, name) in enumerate(starts):
        end = starts[position + 1][0] if position + 1 < len(starts) else len(text)
        section = text[start:end]
        contract = d.contract_of(next(e.siren for e in sector.intercommunalities if e.name == name))
        plan = client.get(f"/api/v1/contracts/{contract.id}/plan", headers=headers).get_json()
        for label, key in (
            ("Enveloppe", "envelope"),
            ("Aides inscrites au plan", "total"),
            ("Reste sur l'enveloppe", "remaining"),
            ("Fonds de réserve (hors plan)", "reserve_total"),
        ):
            value = plan[key]["grant"] if key == "total" else plan[key]
            assert f"{label} {flat(euros(Decimal(value)))}" in section, (name, label, value)
        assert f"Étape {contract.stage.label}" in section
        assert "Avancement des projets" in section and "Échéances de l'année à venir" in section


def test_previous_rendez_vous_bounds_the_progress(app: Flask) -> None:
    d.demo_data()
    earlier = d.mende_rendez_vous(d.paris(2026, 4, 14), now=d.paris(2026, 1, 5))
    meeting = d.mende_rendez_vous()
    assert earlier.id != meeting.id
    document = generate_dossier(meeting, folder=d.folder(app))
    db.session.commit()
    text = flat(pdf_text((d.folder(app) / str(meeting.id) / document.stored_name).read_bytes()))
    assert "Avancement depuis le dernier Rendez-vous du secteur, le mardi 14 avril 2026." in text
