"""Meeting services: validation, manual changes, freezing and diffs, warnings."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event, func, select

from concertation.extensions import db
from concertation.meetings.composition import compute_invitees
from concertation.meetings.exceptions import InvalidInviteeChange, InvalidMeeting, MeetingNotEditable
from concertation.meetings.invitees import (
    add_invitee,
    apply_diff,
    current_invitees,
    freeze_invitees,
    invitee_diff,
    remove_invitee,
)
from concertation.meetings.models import AgendaItem, CompositionRule, Meeting, MeetingStatus, Selector
from concertation.meetings.services import MeetingInput, create_meeting, update_meeting
from concertation.meetings.warnings import date_warnings, list_warnings
from concertation.people.models import Person, Role
from tests.common import db as f

GEVAUDAN = "244800470"
NOW = f.paris(2026, 11, 26, 12)


def _input(**changes: object) -> MeetingInput:
    data = MeetingInput(
        kind="concertation",
        title="Concertation",
        starts_at=datetime(2027, 3, 9, 14),
        ends_at=datetime(2027, 3, 9, 17),
        purpose="diagnostic",
        intercommunality_siren=GEVAUDAN,
        location_commune="48092",
        agenda=["Accueil"],
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _ids(meeting: Meeting) -> set[int]:
    return {line.person.id for line in compute_invitees(meeting)}


@pytest.fixture()
def elus(lozere: None) -> dict[str, Person]:
    """Maires of Marvejols (no email) and Montrodat; Antrenas has none."""
    found = {
        "marvejols": f.person("Maire-Marvejols", email=None),
        "montrodat": f.person("Maire-Montrodat"),
        "guest": f.person("Invité"),
    }
    f.mandate(found["marvejols"], Role.MAIRE, f.commune("48092"))
    f.mandate(found["montrodat"], Role.MAIRE, f.commune("48103"))
    db.session.commit()
    return found


# --- Validation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "key", "message"),
    [
        ({"kind": "colloque"}, "kind", "Type de réunion inconnu"),
        ({"title": "  "}, "title", "Le titre est obligatoire."),
        ({"title": "x" * 301}, "title", "Le titre dépasse 300 caractères."),
        (
            {"intercommunality_siren": "999999999"},
            "scope",
            "Intercommunalité inconnue : SIREN « 999999999 ».",
        ),
        ({"kind": "rendez_vous", "purpose": ""}, "scope", "secteur d'une des 5 villes principales"),
        (
            {"intercommunality_siren": None, "sector_town": "48095"},
            "scope",
            "porte sur une communauté de communes",
        ),
        ({"kind": "rendez_vous", "sector_town": "48001"}, "scope", "Secteur inconnu"),
        (
            {"kind": "autre", "sector_town": "48095", "purpose": ""},
            "scope",
            "Choisissez un secteur ou une intercommunalité, pas les deux.",
        ),
        ({"starts_at": None}, "starts_at", "La date et l'heure de début sont obligatoires."),
        ({"starts_at": datetime(2026, 11, 26, 10)}, "starts_at", "La date de début est déjà passée"),
        ({"ends_at": datetime(2027, 3, 9, 14)}, "ends_at", "La fin doit être postérieure au début."),
        ({"ends_at": None}, "ends_at", "La date et l'heure de fin sont obligatoires."),
        ({"purpose": "bilan"}, "purpose", "Objet de la concertation obligatoire"),
        (
            {
                "kind": "rendez_vous",
                "intercommunality_siren": None,
                "sector_town": "48095",
                "purpose": "2028",
            },
            "purpose",
            "L'année du Rendez-vous doit être celle de sa date.",
        ),
        ({"location_commune": "12345"}, "location.commune", "Commune du lieu inconnue"),
        ({"agenda": ["Accueil", " "]}, "agenda.2", "Le point n° 2 de l'ordre du jour est vide."),
    ],
)
def test_validation_errors_write_nothing(
    lozere: None, changes: dict[str, object], key: str, message: str
) -> None:
    with pytest.raises(InvalidMeeting) as raised:
        create_meeting(_input(**changes), None, now=NOW)
    assert message in raised.value.errors[key]
    assert message in str(raised.value)
    db.session.rollback()
    assert _count(Meeting) == 0 and _count(AgendaItem) == 0


def test_all_errors_are_reported_together(lozere: None) -> None:
    with pytest.raises(InvalidMeeting) as raised:
        create_meeting(
            _input(title="", intercommunality_siren="1", ends_at=datetime(2027, 3, 9, 13)), None, now=NOW
        )
    assert set(raised.value.errors) == {"title", "scope", "ends_at"}


def test_paris_wall_clock_is_stored_utc(lozere: None) -> None:
    meeting = create_meeting(_input(), None, now=NOW)
    assert meeting.starts_at == datetime.fromisoformat("2027-03-09T13:00:00+00:00")
    rdv = create_meeting(
        _input(kind="rendez_vous", intercommunality_siren=None, sector_town="48095", purpose=""),
        None,
        now=NOW,
    )
    assert rdv.purpose == "2027"  # a Rendez-vous's purpose defaults to its year


def test_update_keeps_a_past_date_but_refuses_a_new_past_one(lozere: None) -> None:
    meeting = f.meeting(starts_at=f.paris(2026, 11, 10), now=f.paris(2026, 11, 1))  # already past today
    changes = update_meeting(meeting, _same_time(meeting))
    assert changes.other_changed and not changes.time_changed
    with pytest.raises(InvalidMeeting, match="La nouvelle date de début est déjà passée"):
        update_meeting(
            meeting, _input(starts_at=datetime(2026, 11, 11, 14), ends_at=datetime(2026, 11, 11, 17))
        )


def _same_time(meeting: Meeting) -> MeetingInput:
    return _input(
        title="Renommée",
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        location_commune=None,
        location_name="Salle des fêtes",
        agenda=["Accueil", "Diagnostic du territoire"],
    )


def test_held_meeting_cannot_be_edited(lozere: None) -> None:
    meeting = f.meeting()
    meeting.status = MeetingStatus.TENUE
    with pytest.raises(MeetingNotEditable, match="« Tenue »"):
        update_meeting(meeting, _input())
    with pytest.raises(MeetingNotEditable):
        add_invitee(meeting, f.person(), "Raison", None)


# --- Manual changes ---------------------------------------------------------------------------------


def test_overrides_survive_recomputation(elus: dict[str, Person]) -> None:
    meeting = f.meeting()
    add_invitee(meeting, elus["guest"], "Partenaire du projet", None)
    remove_invitee(meeting, elus["montrodat"], "Excusé", None)
    db.session.commit()
    # the mandates and the rules change; the manual changes still hold
    newcomer = f.person("Nouveau")
    f.mandate(newcomer, Role.MAIRE, f.commune("48005"))
    db.session.add(
        CompositionRule(meeting_kind="concertation", selector=Selector.MAIRES_DELEGUES, position=9)
    )
    db.session.commit()
    lines = {line.person.id: line for line in compute_invitees(meeting)}
    assert set(lines) == {elus["marvejols"].id, elus["guest"].id, newcomer.id}
    assert lines[elus["guest"].id].source == "manual"
    assert lines[elus["guest"].id].reason == "Partenaire du projet"
    assert lines[elus["guest"].id].qualities == ["Invité(e)"]


def test_manual_changes_need_a_reason_and_make_sense(elus: dict[str, Person]) -> None:
    meeting = f.meeting()
    with pytest.raises(InvalidInviteeChange, match="Indiquez la raison de l'ajout"):
        add_invitee(meeting, elus["guest"], "  ", None)
    with pytest.raises(InvalidInviteeChange, match="déjà invité\\(e\\) par les règles"):
        add_invitee(meeting, elus["marvejols"], "Oubli", None)
    with pytest.raises(InvalidInviteeChange, match="ne figure pas dans la liste"):
        remove_invitee(meeting, elus["guest"], "Erreur", None)
    add_invitee(meeting, elus["guest"], "Partenaire", None)
    with pytest.raises(InvalidInviteeChange, match="déjà ajouté\\(e\\) manuellement"):
        add_invitee(meeting, elus["guest"], "Encore", None)


def test_lifting_a_removal(elus: dict[str, Person]) -> None:
    meeting = f.meeting()
    remove_invitee(meeting, elus["montrodat"], "Excusé", None)
    assert elus["montrodat"].id not in _ids(meeting)
    assert add_invitee(meeting, elus["montrodat"], "Finalement présent", None) is None
    assert elus["montrodat"].id in _ids(meeting)
    assert meeting.overrides == []


# --- Freeze, diff, apply ----------------------------------------------------------------------------


def test_frozen_list_is_read_in_a_fixed_number_of_statements(lozere: None) -> None:
    for code in ("48092", "48099", "48103", "48005", "48032", "48072", "48107"):
        f.mandate(f.person(f"Maire{code}"), Role.MAIRE, f.commune(code))
    meeting = f.meeting()
    assert len(freeze_invitees(meeting)) == 7
    db.session.commit()
    meeting_id = meeting.id
    db.session.expunge_all()
    seen: list[str] = []
    listener = lambda *args: seen.append(str(args[2]))  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        reloaded = db.session.get(Meeting, meeting_id)
        assert reloaded is not None
        names = [i.person.last_name for i in freeze_invitees(reloaded)]
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert names == sorted(names) and len(names) == 7
    assert len(seen) <= 3, seen  # the meeting, its lines, their persons


def test_freeze_diff_and_apply(elus: dict[str, Person]) -> None:
    meeting = f.meeting()
    frozen = freeze_invitees(meeting)
    assert {i.person_id for i in frozen} == {elus["marvejols"].id, elus["montrodat"].id}
    assert meeting.is_frozen and invitee_diff(meeting).is_empty
    assert freeze_invitees(meeting) == frozen  # freezing twice changes nothing

    newcomer = f.person("Nouveau")
    f.mandate(newcomer, Role.MAIRE, f.commune("48005"))
    montrodat_mandate = elus["montrodat"].mandates[0]
    montrodat_mandate.ends_on = date(2027, 1, 31)
    f.mandate(elus["marvejols"], Role.PRESIDENT_EPCI, f.epci(GEVAUDAN))
    db.session.commit()

    diff = invitee_diff(meeting)
    assert [line.person.id for line in diff.added] == [newcomer.id]
    assert [row.person_id for row in diff.removed] == [elus["montrodat"].id]
    assert [(row.person_id, q) for row, q in diff.requalified] == [
        (elus["marvejols"].id, ["Maire de Marvejols", "Président de la CC du Gévaudan"])
    ]
    # the frozen list does not move until the organiser applies the diff
    assert {i.person_id for i in current_invitees(meeting)} == {elus["marvejols"].id, elus["montrodat"].id}

    applied = apply_diff(meeting)
    assert [row.person_id for row in applied.added] == [newcomer.id]
    assert [row.person_id for row in applied.removed] == [elus["montrodat"].id]
    db.session.commit()
    current = {i.person_id: i for i in current_invitees(meeting)}
    assert set(current) == {elus["marvejols"].id, newcomer.id}
    assert current[elus["marvejols"].id].qualities == ["Maire de Marvejols", "Président de la CC du Gévaudan"]
    removed = next(i for i in meeting.invitees if i.person_id == elus["montrodat"].id)
    assert removed.removed_at is not None and removed.removal_reason
    assert invitee_diff(meeting).is_empty


def test_unfrozen_meeting_has_no_diff(elus: dict[str, Person]) -> None:
    assert invitee_diff(f.meeting()).is_empty


# --- Warnings ---------------------------------------------------------------------------------------


def _kinds(meeting: Meeting) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for warning in list_warnings(meeting):
        found.setdefault(warning.kind, []).append(warning.message)
    return found


def test_warnings_no_email_and_commune_without_maire(elus: dict[str, Person]) -> None:
    kinds = _kinds(f.meeting(starts_at=f.paris(2027, 3, 9)))  # a Tuesday
    assert kinds["no_email"] == [
        f"{elus['marvejols'].full_name} n'a pas d'adresse électronique : invitation papier à prévoir."
    ]
    assert "Aucun maire enregistré pour la commune de Gabrias." in kinds["no_maire"]
    assert len(kinds["no_maire"]) == 10  # 12 communes, 2 maires recorded
    assert not any("Marvejols" in m or "Montrodat" in m for m in kinds["no_maire"])
    assert "holiday" not in kinds and "weekend" not in kinds and "overlap" not in kinds


def test_warning_overlap_with_another_meeting(elus: dict[str, Person]) -> None:
    first = f.meeting(starts_at=f.paris(2027, 3, 9, 14), title="Diagnostic")
    second = f.meeting(starts_at=f.paris(2027, 3, 9, 16), title="Autre concertation")
    later = f.meeting(starts_at=f.paris(2027, 3, 9, 17), title="Plus tard")  # starts when the first ends
    overlaps = _kinds(first)["overlap"]
    assert overlaps == [  # one line for the meeting, listing both persons
        "Chevauchement avec « Autre concertation » (09/03/2027 16:00, brouillon) : 2 invité(e)s en commun : "
        f"{elus['marvejols'].full_name}, {elus['montrodat'].full_name}."
    ]
    assert "Plus tard" not in " ".join(overlaps)  # it starts when the first one ends
    assert "Autre concertation" in " ".join(_kinds(later)["overlap"])
    second.status = MeetingStatus.ANNULEE
    assert "overlap" not in _kinds(first)
    assert "overlap" not in _kinds(later)


@pytest.mark.parametrize(
    ("on", "kinds", "text"),
    [
        (date(2027, 5, 8), {"holiday", "weekend"}, "jour férié : Fête de la Victoire."),  # a Saturday too
        (date(2027, 7, 14), {"holiday"}, "jour férié : Fête nationale."),
        (date(2027, 3, 13), {"weekend"}, "samedi"),
        (date(2027, 3, 14), {"weekend"}, "dimanche"),
        (date(2027, 3, 9), set(), ""),
    ],
)
def test_date_warnings(on: date, kinds: set[str], text: str) -> None:
    warnings = date_warnings(on)
    assert {w.kind for w in warnings} == kinds
    assert text in " ".join(w.message for w in warnings)


def test_holiday_warning_on_the_meeting(elus: dict[str, Person]) -> None:
    meeting = f.meeting(starts_at=f.paris(2027, 7, 14, 10))
    assert _kinds(meeting)["holiday"] == ["La réunion tombe un jour férié : Fête nationale."]


def test_holiday_names_are_french_whatever_the_server_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert [w.message for w in date_warnings(date(2027, 7, 14))] == [
        "La réunion tombe un jour férié : Fête nationale."
    ]


def test_meeting_day_is_the_paris_day(elus: dict[str, Person]) -> None:
    # 00:30 in Paris on Monday 15 March is still Sunday in UTC: the meeting is on Monday, not a weekend
    monday = f.meeting(starts_at=f.paris(2027, 3, 15, 0, 30))
    assert monday.starts_at.astimezone(UTC).weekday() == 6
    assert monday.on == date(2027, 3, 15)
    assert "weekend" not in _kinds(monday)
    sunday = f.meeting(starts_at=f.paris(2027, 3, 14, 0, 30))
    assert _kinds(sunday)["weekend"] == ["La réunion tombe un dimanche."]
