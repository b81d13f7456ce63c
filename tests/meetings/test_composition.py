"""Composition rules on the real Lozère territory, with fixtures of mandates."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from concertation.extensions import db
from concertation.meetings.composition import compute_invitees
from concertation.meetings.models import CompositionRule, MeetingKind, Selector
from concertation.people.models import Role
from tests import factories as f

DATA = Path(__file__).resolve().parents[2] / "concertation" / "territory" / "data"
GEVAUDAN = "244800470"
HAUT_ALLIER = "200006930"


def _expected_gevaudan_communes() -> list[str]:
    """Read straight from the source file, not through the importer under test."""
    doc = json.loads((DATA / "epci.json").read_text(encoding="utf-8"))
    item = next(e for e in doc["epci"] if e["code"] == GEVAUDAN)
    return [m["code"] for m in item["membres"]]


def _cantons_touching(codes: list[str]) -> set[str]:
    doc = json.loads((DATA / "cantons.json").read_text(encoding="utf-8"))
    return {c["code"] for c in doc["cantons"] if set(c["communes"]) & set(codes)}


@pytest.fixture()
def elus(lozere: None) -> dict[str, object]:
    """A maire in every Lozère commune, 2 councillors per canton, presidents and syndicates."""
    from sqlalchemy import select

    from concertation.territory.models import Canton, Commune, Intercommunality

    maires = {}
    for commune in db.session.scalars(select(Commune)):
        maires[commune.insee_code] = f.person(f"Maire-{commune.insee_code}")
        f.mandate(maires[commune.insee_code], Role.MAIRE, commune)
    councillors = {}
    for canton in db.session.scalars(select(Canton)):
        for civility in ("M.", "Mme"):
            p = f.person(f"CD-{canton.code}-{civility}", civility=civility)
            f.mandate(p, Role.CONSEILLER_DEPARTEMENTAL, canton, starts_on=date(2021, 7, 1))
            councillors.setdefault(canton.code, []).append(p)
    presidents = {}
    for epci in db.session.scalars(select(Intercommunality)):
        p = f.person(f"President-{epci.siren}")
        f.mandate(p, Role.PRESIDENT_EPCI, epci)
        presidents[epci.siren] = p
    # The maire of Marvejols presides the CC du Gévaudan and a syndicate touching it: three qualities.
    marvejols = maires["48092"]
    f.mandate(marvejols, Role.PRESIDENT_EPCI, f.epci(GEVAUDAN))
    aep = f.syndicate("Syndicat AEP de la Colagne", communes=["48092", "48099"])
    f.mandate(marvejols, Role.PRESIDENT_SYNDICAT, aep)
    sdee = f.syndicate("SDEE de la Lozère", epcis=[GEVAUDAN, HAUT_ALLIER])
    sdee_president = f.person("Président-SDEE")
    f.mandate(sdee_president, Role.PRESIDENT_SYNDICAT, sdee)
    far = f.syndicate("SIVU du Haut Allier", communes=["48080"])
    far_president = f.person("Président-SIVU")
    f.mandate(far_president, Role.PRESIDENT_SYNDICAT, far)
    # The former president of the Gévaudan: his mandate ended the day before the meeting.
    former = f.person("Ancien-Président")
    f.mandate(
        former, Role.PRESIDENT_EPCI, f.epci(GEVAUDAN), starts_on=date(2020, 7, 1), ends_on=date(2027, 3, 8)
    )
    db.session.commit()
    return {
        "maires": maires,
        "councillors": councillors,
        "presidents": presidents,
        "marvejols": marvejols,
        "sdee_president": sdee_president,
        "far_president": far_president,
        "former": former,
    }


def test_concertation_gevaudan_invites_exactly_the_rule_holders(elus: dict) -> None:
    meeting = f.meeting("concertation", siren=GEVAUDAN, starts_at=f.paris(2027, 3, 9))
    lines = compute_invitees(meeting)
    got = {line.person.id for line in lines}

    communes = _expected_gevaudan_communes()
    assert len(communes) == 12
    expected = {elus["maires"][code].id for code in communes}
    expected.add(elus["presidents"][GEVAUDAN].id)
    expected.add(elus["sdee_president"].id)  # the SDEE has the CC du Gévaudan as a member
    expected |= {p.id for code in _cantons_touching(communes) for p in elus["councillors"][code]}
    assert got == expected
    assert elus["far_president"].id not in got
    assert elus["former"].id not in got  # mandate ended yesterday
    assert len(lines) == len(got)  # one line per person


def test_person_with_three_qualities_appears_once(elus: dict) -> None:
    meeting = f.meeting("concertation", siren=GEVAUDAN)
    lines = [line for line in compute_invitees(meeting) if line.person.id == elus["marvejols"].id]
    assert len(lines) == 1
    assert lines[0].qualities == [
        "Maire de Marvejols",
        "Président de la CC du Gévaudan",
        "Président du Syndicat AEP de la Colagne",
    ]


def test_rendez_vous_mende_invites_both_mende_cantons(elus: dict) -> None:
    meeting = f.meeting("rendez_vous", town="48095", starts_at=f.paris(2027, 5, 4))
    got = {line.person.id for line in compute_invitees(meeting)}
    for code in ("4809", "4810"):
        assert {p.id for p in elus["councillors"][code]} <= got


def test_le_rozier_maire_invited_to_florac_rendez_vous(elus: dict) -> None:
    meeting = f.meeting("rendez_vous", town="48061", starts_at=f.paris(2027, 5, 4))
    got = {line.person.id for line in compute_invitees(meeting)}
    assert elus["maires"]["48131"].id in got
    # but not the president of the CC de Millau Grands Causses (an Aveyron EPCI)
    assert elus["presidents"]["241200567"].id not in got


def test_mandate_starting_after_the_meeting_does_not_count(lozere: None) -> None:
    newcomer = f.person("Futur")
    f.mandate(newcomer, Role.MAIRE, f.commune("48092"), starts_on=date(2027, 3, 10))
    meeting = f.meeting("concertation", siren=GEVAUDAN, starts_at=f.paris(2027, 3, 9))
    assert newcomer.id not in {line.person.id for line in compute_invitees(meeting)}


def test_extra_rule_added_by_admin_is_applied(elus: dict) -> None:
    deputy = f.person("Délégué")
    f.mandate(deputy, Role.MAIRE_DELEGUE, f.commune("48092"))
    guest = f.person("Ingénierie", email="contact@lozere-ingenierie.example.org")
    db.session.add(
        CompositionRule(meeting_kind=MeetingKind.CONCERTATION, selector=Selector.MAIRES_DELEGUES, position=9)
    )
    db.session.add(
        CompositionRule(
            meeting_kind=MeetingKind.CONCERTATION,
            selector=Selector.PERSON,
            person=guest,
            label="Lozère Ingénierie (partenaire)",
            position=10,
        )
    )
    db.session.commit()
    lines = {line.person.id: line for line in compute_invitees(f.meeting("concertation", siren=GEVAUDAN))}
    assert lines[deputy.id].qualities == ["Maire délégué de Marvejols"]
    assert lines[guest.id].qualities == ["Lozère Ingénierie (partenaire)"]


def test_disabled_rule_is_ignored(elus: dict) -> None:
    from sqlalchemy import select

    rule = db.session.scalar(
        select(CompositionRule).where(
            CompositionRule.meeting_kind == MeetingKind.CONCERTATION,
            CompositionRule.selector == Selector.CONSEILLERS_DEPARTEMENTAUX,
        )
    )
    assert rule is not None
    rule.is_enabled = False
    db.session.commit()
    got = {line.person.id for line in compute_invitees(f.meeting("concertation", siren=GEVAUDAN))}
    assert not any(p.id in got for ps in elus["councillors"].values() for p in ps)
