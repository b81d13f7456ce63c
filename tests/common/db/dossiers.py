"""Dossier factories: the demo contracts and the meetings whose dossiers the tests generate."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from concertation.contracts.demo import load_demo_contracts
from concertation.contracts.models import Contract
from concertation.demo import load_demo
from concertation.extensions import db
from concertation.meetings.documents import documents_folder
from concertation.meetings.models import Meeting
from concertation.territory.models import Intercommunality
from tests.common.db.meetings import meeting, paris

__all__ = ["paris"]

GEVAUDAN = "244800470"
MENDE = "48095"


def demo_data() -> None:
    """`make demo`: the fictional élus, then one demo contract per Lozère CC (needs the territory)."""
    load_demo()
    load_demo_contracts()
    db.session.commit()


def contract_of(siren: str) -> Contract:
    return db.session.scalars(
        select(Contract).join(Contract.intercommunality).where(Intercommunality.siren == siren)
    ).one()


def gevaudan_concertation(starts_at: datetime | None = None) -> Meeting:
    """The Gévaudan concertation of the walkthrough, linked to the CC's demo contract."""
    created = meeting(
        "concertation",
        siren=GEVAUDAN,
        starts_at=starts_at or paris(2027, 3, 9),
        title="Concertation du Gévaudan — négociation du contrat",
        purpose="negociation",
    )
    created.contract = contract_of(GEVAUDAN)
    db.session.commit()
    return created


def mende_rendez_vous(starts_at: datetime | None = None, *, now: datetime | None = None) -> Meeting:
    """The Rendez-vous de Territoire of the Mende sector (13/04/2027 unless told)."""
    created = meeting(
        "rendez_vous",
        town=MENDE,
        starts_at=starts_at or paris(2027, 4, 13),
        title="Rendez-vous de Mende",
        now=now,
    )
    db.session.commit()
    return created


def folder(app: Flask) -> Path:
    """Where the app stores the meetings' documents."""
    return documents_folder(app.config, app.instance_path)
