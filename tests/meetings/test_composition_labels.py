"""The wording of invitees' qualities: every quality once, in rule order, French articles (issue 12)."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from concertation.accounts.models import UserRole
from concertation.extensions import db
from concertation.meetings.composition import compute_invitees
from concertation.people.models import Role
from tests.common import db as f

GEVAUDAN = "244800470"


def test_the_presidente_du_departement_is_named_with_every_quality(lozere: None) -> None:
    """The default rules pick conseillers départementaux, not the présidence: she is still named as both."""
    presidente = f.person("Présidente", civility="Mme")
    f.mandate(presidente, Role.CONSEILLER_DEPARTEMENTAL, f.canton("4808"))  # Marvejols
    f.mandate(presidente, Role.PRESIDENT_CONSEIL_DEPARTEMENTAL, None)
    maire = f.person("Maire-Marvejols")
    f.mandate(maire, Role.MAIRE, f.commune("48092"))
    f.mandate(maire, Role.PRESIDENT_EPCI, f.epci(GEVAUDAN))
    f.mandate(maire, Role.CONSEILLER_COMMUNAUTAIRE, f.epci(GEVAUDAN))  # a seat, not a standing role
    outside = f.person("Présidente-ailleurs", civility="Mme")
    f.mandate(outside, Role.CONSEILLER_DEPARTEMENTAL, f.canton("4807"))  # Langogne: not in the territory
    meeting = f.meeting("concertation", siren=GEVAUDAN)
    db.session.commit()

    lines = {line.person.last_name: line.qualities for line in compute_invitees(meeting)}
    assert lines["Présidente"] == [
        "Conseillère départementale (canton de Marvejols)",
        "Présidente du Conseil départemental de la Lozère",
    ]
    assert lines["Maire-Marvejols"] == ["Maire de Marvejols", "Président de la CC du Gévaudan"]
    assert "Présidente-ailleurs" not in lines


def test_a_canton_takes_the_article_rules_of_a_commune(lozere: None) -> None:
    collet = f.person("Conseiller-Collet")
    seat = f.mandate(collet, Role.CONSEILLER_DEPARTEMENTAL, f.canton("4804"))
    assert seat.body_name == "canton du Collet-de-Dèze"
    assert seat.quality == "Conseiller départemental (canton du Collet-de-Dèze)"
    mende = f.mandate(
        f.person("Conseillère-Mende", civility="Mme"), Role.CONSEILLER_DEPARTEMENTAL, f.canton("4809")
    )
    assert mende.quality == "Conseillère départementale (canton de Mende-1)"


def test_a_function_label_that_repeats_the_quality_is_not_shown(
    client: FlaskClient, login: Callable[..., object], lozere: None
) -> None:
    maire = f.person("DURAND", "Pierre")
    f.mandate(maire, Role.MAIRE, f.commune("48092")).function_label = "Maire"
    vice = f.mandate(maire, Role.VICE_PRESIDENT_EPCI, f.epci(GEVAUDAN))
    vice.function_label = "1er vice-président"
    person_id, commune_id = maire.id, f.commune("48092").id
    db.session.commit()
    login(UserRole.LECTEUR)
    for url in (f"/elus/{person_id}", f"/territoire/communes/{commune_id}"):
        page = client.get(url).get_data(as_text=True)
        assert "Maire de Marvejols" in page
        assert "(Maire)" not in page, url
    assert "(1er vice-président)" in client.get(f"/elus/{person_id}").get_data(as_text=True)
