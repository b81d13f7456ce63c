"""Composition rules on the real Lozère territory, with fixtures of mandates."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event

from concertation.extensions import db
from concertation.meetings.composition import compute_invitees, meeting_territory, territory_for
from concertation.meetings.models import (
    CompositionRule,
    InviteeOverride,
    InviteeSource,
    Meeting,
    MeetingKind,
    OverrideAction,
    Selector,
)
from concertation.people.models import Role, canton_label, describe_quality
from tests.common import db as f

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


# --- One statement per list -------------------------------------------------------------------------


class _Statements:
    """Counts the statements sent to the database while active."""

    def __init__(self) -> None:
        self.count = 0

    def _seen(self, *args: object) -> None:
        self.count += 1

    def __enter__(self) -> _Statements:
        event.listen(db.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(db.engine, "before_cursor_execute", self._seen)


def _fresh(meeting: Meeting) -> Meeting:
    """The meeting in an empty session, as a request would see it."""
    meeting_id = meeting.id
    db.session.commit()
    db.session.close()
    found = db.session.get(Meeting, meeting_id)
    assert found is not None
    return found


def test_a_list_is_one_statement(elus: dict) -> None:
    le_rozier = elus["maires"]["48131"].id
    meeting = _fresh(f.meeting("rendez_vous", town="48061", starts_at=f.paris(2027, 5, 4)))
    with _Statements() as statements:
        lines = compute_invitees(meeting)
    assert statements.count == 1
    assert le_rozier in {line.person.id for line in lines}


def test_manual_additions_load_their_mandates_in_one_more_statement(elus: dict) -> None:
    meeting = f.meeting("concertation", siren=GEVAUDAN)
    maire = elus["maires"]["48080"]  # outside the CC du Gévaudan
    f.mandate(maire, Role.PRESIDENT_SYNDICAT, f.syndicate("SIVOM de Langogne", communes=["48080"]))
    expert = f.person("Expert", email="expert@example.org")
    for person, action, reason in (
        (maire, OverrideAction.ADD, "Commune voisine"),
        (expert, OverrideAction.ADD, "Bureau d'études"),
        (elus["marvejols"], OverrideAction.REMOVE, "Excusé"),
    ):
        db.session.add(InviteeOverride(meeting=meeting, person=person, action=action, reason=reason))
    maire_of_langogne = describe_quality(Role.MAIRE, f.commune("48080").name)
    maire_id, expert_id, marvejols_id = maire.id, expert.id, elus["marvejols"].id
    meeting = _fresh(meeting)
    with _Statements() as statements:
        lines = {line.person.id: line for line in compute_invitees(meeting)}
    assert statements.count == 2
    assert marvejols_id not in lines
    assert lines[maire_id].source == InviteeSource.MANUAL
    assert lines[maire_id].reason == "Commune voisine"
    assert sorted(lines[maire_id].qualities) == [maire_of_langogne, "Président du SIVOM de Langogne"]
    assert (lines[expert_id].qualities, lines[expert_id].source) == (["Invité(e)"], InviteeSource.MANUAL)


def test_named_guests_and_the_president_of_the_departement(elus: dict) -> None:
    president = f.person("Présidente-CD", civility="Mme")
    f.mandate(president, Role.PRESIDENT_CONSEIL_DEPARTEMENTAL, None)
    partner = f.person("Partenaire")
    removed = f.person("Retiré")
    rules = [
        (Selector.PRESIDENT_CONSEIL_DEPARTEMENTAL, None, "", 9),
        (Selector.PERSON, partner, "Second libellé", 12),
        (Selector.PERSON, partner, "", 11),
        (Selector.PERSON, president, "Invitée d'honneur", 10),
        (Selector.PERSON, removed, "Ne viendra pas", 13),
    ]
    for selector, person, label, position in rules:
        db.session.add(
            CompositionRule(
                meeting_kind=MeetingKind.CONCERTATION,
                selector=selector,
                person=person,
                label=label,
                position=position,
            )
        )
    meeting = f.meeting("concertation", siren=GEVAUDAN)
    db.session.add(
        InviteeOverride(meeting=meeting, person=removed, action=OverrideAction.REMOVE, reason="Excusé")
    )
    president_id, partner_id, removed_id = president.id, partner.id, removed.id
    lines = {line.person.id: line for line in compute_invitees(_fresh(meeting))}
    assert lines[president_id].qualities == [
        "Présidente du Conseil départemental de la Lozère",
        "Invitée d'honneur",
    ]
    assert lines[partner_id].qualities == ["Invité(e) du Département", "Second libellé"]
    assert removed_id not in lines


def test_lines_are_sorted_by_name_and_qualities_by_rule_then_wording(elus: dict) -> None:
    marvejols = elus["marvejols"]
    f.mandate(marvejols, Role.PRESIDENT_SYNDICAT, f.syndicate("Syndicat mixte du Lot", communes=["48092"]))
    marvejols_id = marvejols.id
    lines = compute_invitees(_fresh(f.meeting("concertation", siren=GEVAUDAN)))
    names = [(line.person.last_name.lower(), line.person.first_name.lower()) for line in lines]
    assert names == sorted(names)
    line = next(line for line in lines if line.person.id == marvejols_id)
    assert line.qualities == [
        "Maire de Marvejols",
        "Président de la CC du Gévaudan",
        "Président du Syndicat AEP de la Colagne",
        "Président du Syndicat mixte du Lot",
    ]


def test_territory_of_a_sector(elus: dict) -> None:
    meeting = _fresh(f.meeting("rendez_vous", town="48061", starts_at=f.paris(2027, 5, 4)))
    territory = meeting_territory(meeting)
    sector = meeting.sector
    assert sector is not None
    communes = sector.communes_on(date(2027, 5, 4))
    assert territory.communes == {c.id: c.name for c in communes}
    assert f.commune("48131").id in territory.communes  # Le Rozier, a single commune of the sector
    assert territory.intercommunalities == {i.id: i.name for i in sector.intercommunalities}
    assert f.epci("241200567").id not in territory.intercommunalities  # Millau Grands Causses
    assert territory.cantons == {
        canton.id: canton_label(canton.name) for c in communes for canton in c.cantons
    }
    # The commune's article rules apply to cantons, never "canton de Le Collet-de-Dèze".
    assert "canton du Collet-de-Dèze" in territory.cantons.values()
    assert territory.syndicates == {}
    assert territory_for(meeting.kind, sector, None, date(2027, 5, 4)) == territory


def test_syndicates_with_a_member_in_the_territory(elus: dict) -> None:
    territory = meeting_territory(f.meeting("concertation", siren=GEVAUDAN))
    # the SDEE through the CC du Gévaudan itself, the AEP through Marvejols; not the SIVU of Langogne
    assert sorted(territory.syndicates.values()) == ["SDEE de la Lozère", "Syndicat AEP de la Colagne"]
