"""A list without the président of the CC (concertation) or without a conseiller départemental is flagged."""

from __future__ import annotations

from flask import Flask

from concertation.extensions import db
from concertation.meetings.warnings import list_warnings
from concertation.people.models import Role
from tests.common import db as f


def _kinds(meeting):  # type: ignore[no-untyped-def]
    return {w.kind: w.message for w in list_warnings(meeting)}


def test_concertation_without_president_nor_conseiller_departemental_is_flagged(
    app: Flask, lozere: None
) -> None:
    maire = f.person("Maire48092")
    f.mandate(maire, Role.MAIRE, f.commune("48092"))
    meeting = f.meeting("concertation", siren="244800470", starts_at=f.paris(2027, 3, 9, 14))
    db.session.commit()
    kinds = _kinds(meeting)
    assert kinds["no_president"] == f"Le président de {f.epci('244800470').name} n'est pas sur la liste."
    assert kinds["no_departemental"] == "Aucun conseiller départemental n'est sur la liste."


def test_no_warning_once_president_and_conseiller_departemental_are_invited(app: Flask, lozere: None) -> None:
    f.gevaudan_elus()  # the maire of Marvejols presides the CC; the cantons' conseillers départementaux
    meeting = f.meeting("concertation", siren="244800470", starts_at=f.paris(2027, 3, 9, 14))
    db.session.commit()
    kinds = _kinds(meeting)
    assert "no_president" not in kinds and "no_departemental" not in kinds


def test_a_rendez_vous_needs_no_president_of_cc(app: Flask, lozere: None) -> None:
    f.gevaudan_elus()
    rdv = f.meeting("rendez_vous", town="48092", starts_at=f.paris(2027, 3, 9, 14))
    db.session.commit()
    # A Rendez-vous de Territoire is not a concertation of one CC: no président is required.
    assert "no_president" not in _kinds(rdv)
