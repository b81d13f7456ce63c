"""Territory factories: the shipped Lozère reference data looked up by code, and syndicates."""

from __future__ import annotations

from sqlalchemy import select

from concertation.extensions import db
from concertation.territory.models import Canton, Commune, Intercommunality, Syndicate, SyndicateMember

GEVAUDAN = "244800470"
MENDE = "48095"


def commune(insee: str) -> Commune:
    found = db.session.scalar(select(Commune).where(Commune.insee_code == insee))
    assert found is not None, insee
    return found


def epci(siren: str) -> Intercommunality:
    found = db.session.scalar(select(Intercommunality).where(Intercommunality.siren == siren))
    assert found is not None, siren
    return found


def canton(code: str) -> Canton:
    found = db.session.scalar(select(Canton).where(Canton.code == code))
    assert found is not None, code
    return found


def syndicate(name: str, communes: list[str] = (), epcis: list[str] = ()) -> Syndicate:  # type: ignore[assignment]
    created = Syndicate(name=name, purpose="")
    created.members = [SyndicateMember(commune=commune(code)) for code in communes] + [
        SyndicateMember(intercommunality=epci(siren)) for siren in epcis
    ]
    db.session.add(created)
    db.session.flush()
    return created
