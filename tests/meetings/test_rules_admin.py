"""Composition rules admin: pages for admins only, and the service functions behind them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from concertation.accounts.models import User, UserRole
from concertation.extensions import db
from concertation.meetings import rules
from concertation.meetings.composition import compute_invitees
from concertation.meetings.models import CompositionRule, MeetingKind, Selector
from concertation.people.models import Person, Role
from tests.common import db as f
from tests.common.http import csrf_token

GEVAUDAN = "244800470"
URL = "/reunions/regles"
Login = Callable[..., User]


def _rule(kind: MeetingKind, selector: Selector) -> CompositionRule:
    found = db.session.scalar(
        select(CompositionRule).where(
            CompositionRule.meeting_kind == kind, CompositionRule.selector == selector
        )
    )
    assert found is not None
    return found


def _selectors(kind: MeetingKind) -> list[str]:
    return [
        r.selector
        for r in db.session.scalars(
            select(CompositionRule)
            .where(CompositionRule.meeting_kind == kind)
            .order_by(CompositionRule.position, CompositionRule.id)
        )
    ]


@pytest.fixture()
def elus(lozere: None) -> dict[str, Person]:
    maire = f.person("Maire-Président")
    f.mandate(maire, Role.MAIRE, f.commune("48092"))
    f.mandate(maire, Role.PRESIDENT_EPCI, f.epci(GEVAUDAN))
    councillor = f.person("Conseiller")
    f.mandate(councillor, Role.CONSEILLER_DEPARTEMENTAL, f.canton("4808"))
    partner = f.person("Ingénierie", "Lozère", email="contact@lozere-ingenierie.example.org")
    db.session.commit()
    return {"maire": maire, "councillor": councillor, "partner": partner}


@pytest.mark.parametrize("role", [UserRole.LECTEUR, UserRole.ORGANISATEUR])
def test_non_admin_gets_403(client: FlaskClient, login: Login, role: UserRole) -> None:
    """An organisateur reads the rules (they decide who is invited); only an admin changes them."""
    login(role)
    assert client.get(URL).status_code == (200 if role == UserRole.ORGANISATEUR else 403)
    rule = _rule(MeetingKind.CONCERTATION, Selector.MAIRES)
    token = csrf_token(client, "/reunions/")
    for action in ("activation", "deplacement", "suppression"):
        response = client.post(f"{URL}/{rule.id}/{action}", data={"csrf_token": token, "activer": "0"})
        assert response.status_code == 403
    response = client.post(URL, data={"csrf_token": token, "kind": "autre", "selector": "maires"})
    assert response.status_code == 403
    db.session.refresh(rule)
    assert rule.is_enabled
    assert _selectors(MeetingKind.AUTRE) == []


def test_admin_sees_the_rules_of_each_kind(client: FlaskClient, login: Login) -> None:
    login(UserRole.ADMIN)
    page = client.get(URL).get_data(as_text=True)
    for heading in ("Rendez-vous de Territoire", "Concertation territoriale", "Autre réunion"):
        assert heading in page
    assert page.count("Maires des communes du territoire") >= 2
    assert "Conseillers départementaux des cantons du territoire" in page
    assert "Désactiver" in page and "Monter" in page and "Supprimer" in page


def test_disabling_a_rule_changes_the_computed_list(
    client: FlaskClient, login: Login, elus: dict[str, Person]
) -> None:
    login(UserRole.ADMIN)
    meeting = f.meeting("concertation", siren=GEVAUDAN)
    db.session.commit()
    assert elus["councillor"].id in {line.person.id for line in compute_invitees(meeting)}
    rule = _rule(MeetingKind.CONCERTATION, Selector.CONSEILLERS_DEPARTEMENTAUX)
    response = client.post(
        f"{URL}/{rule.id}/activation", data={"csrf_token": csrf_token(client, URL), "activer": "0"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert elus["councillor"].id not in {line.person.id for line in compute_invitees(meeting)}
    page = client.get(URL).get_data(as_text=True)
    assert "Règle désactivée." in page and "Activer" in page
    client.post(f"{URL}/{rule.id}/activation", data={"csrf_token": csrf_token(client, URL), "activer": "1"})
    db.session.expire_all()
    assert elus["councillor"].id in {line.person.id for line in compute_invitees(meeting)}


def test_add_a_named_partner(client: FlaskClient, login: Login, elus: dict[str, Person]) -> None:
    login(UserRole.ADMIN)
    page = client.get(URL + "?q=ingénierie").get_data(as_text=True)
    assert f'value="{elus["partner"].id}"' in page
    response = client.post(
        URL,
        data={
            "csrf_token": csrf_token(client, URL),
            "kind": "concertation",
            "selector": "person",
            "person_id": str(elus["partner"].id),
            "label": "Lozère Ingénierie (partenaire)",
        },
    )
    assert response.status_code == 303
    meeting = f.meeting("concertation", siren=GEVAUDAN)
    lines = {line.person.id: line for line in compute_invitees(meeting)}
    assert lines[elus["partner"].id].qualities == ["Lozère Ingénierie (partenaire)"]
    assert "Lozère Ingénierie (partenaire)" in client.get(URL).get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "concertation", "selector": "maires"}, "existe déjà pour ce type de réunion"),
        ({"kind": "concertation", "selector": "person"}, "Choisissez la personne à inviter nommément."),
        ({"kind": "concertation", "selector": "inconnu"}, "Critère de composition inconnu."),
        ({"kind": "reunion", "selector": "maires"}, "Type de réunion inconnu."),
    ],
)
def test_bad_rule_is_refused_in_french(
    client: FlaskClient, login: Login, data: dict[str, str], message: str
) -> None:
    login(UserRole.ADMIN)
    before = db.session.scalars(select(CompositionRule.id)).all()
    response = client.post(URL, data={"csrf_token": csrf_token(client, URL), **data})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(CompositionRule.id)).all() == before


def test_reorder_changes_the_order_of_qualities(
    client: FlaskClient, login: Login, elus: dict[str, Person]
) -> None:
    login(UserRole.ADMIN)
    meeting = f.meeting("concertation", siren=GEVAUDAN)
    db.session.commit()

    def qualities() -> list[str]:
        return next(
            line for line in compute_invitees(meeting) if line.person.id == elus["maire"].id
        ).qualities

    assert qualities() == ["Maire de Marvejols", "Président de la CC du Gévaudan"]
    rule = _rule(MeetingKind.CONCERTATION, Selector.PRESIDENTS_EPCI)
    response = client.post(
        f"{URL}/{rule.id}/deplacement", data={"csrf_token": csrf_token(client, URL), "sens": "haut"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert _selectors(MeetingKind.CONCERTATION)[:2] == ["presidents_epci", "maires"]
    assert qualities() == ["Président de la CC du Gévaudan", "Maire de Marvejols"]
    # already first: a French message, nothing changes
    page = client.post(
        f"{URL}/{rule.id}/deplacement",
        data={"csrf_token": csrf_token(client, URL), "sens": "haut"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Cette règle est déjà la première." in page


def test_delete_a_rule(client: FlaskClient, login: Login, elus: dict[str, Person]) -> None:
    login(UserRole.ADMIN)
    rule = _rule(MeetingKind.CONCERTATION, Selector.MAIRES)
    response = client.post(f"{URL}/{rule.id}/suppression", data={"csrf_token": csrf_token(client, URL)})
    assert response.status_code == 303
    db.session.expire_all()
    assert _selectors(MeetingKind.CONCERTATION) == [
        "presidents_epci",
        "presidents_syndicats",
        "conseillers_departementaux",
    ]
    positions = db.session.scalars(
        select(CompositionRule.position)
        .where(CompositionRule.meeting_kind == MeetingKind.CONCERTATION)
        .order_by(CompositionRule.position)
    ).all()
    assert positions == [0, 1, 2]
    meeting = f.meeting("concertation", siren=GEVAUDAN)
    line = next(line for line in compute_invitees(meeting) if line.person.id == elus["maire"].id)
    # No rule picks the maires any more; the maire still comes as président, and is named with his standing
    # roles after the rule's quality.
    assert line.qualities == ["Président de la CC du Gévaudan", "Maire de Marvejols"]


# --- Service functions ------------------------------------------------------------------------------


def test_add_rule_service(app: object, elus: dict[str, Person]) -> None:
    rule = rules.add_rule(MeetingKind.AUTRE, Selector.MAIRES)
    assert rule.position == 0 and rule.is_enabled
    named = rules.add_rule("autre", "person", person=elus["partner"], label="  Lozère Ingénierie  ")
    assert named.position == 1 and named.label == "Lozère Ingénierie"
    with pytest.raises(rules.InvalidRule, match="déjà invité"):
        rules.add_rule(MeetingKind.AUTRE, Selector.PERSON, person=elus["partner"])
    with pytest.raises(rules.InvalidRule, match="laissez le champ Personne vide"):
        rules.add_rule(MeetingKind.AUTRE, Selector.ADJOINTS, person=elus["partner"])
    with pytest.raises(rules.InvalidRule, match="Le libellé dépasse 300 caractères"):
        rules.add_rule(MeetingKind.AUTRE, Selector.ADJOINTS, label="x" * 301)
    assert rules.rules_by_kind()[MeetingKind.AUTRE] == [rule, named]


def test_move_rule_service(app: object) -> None:
    first, *_, last = rules.rules_by_kind()[MeetingKind.RENDEZ_VOUS]
    with pytest.raises(rules.InvalidRule, match="déjà la première"):
        rules.move_rule(first, -1)
    with pytest.raises(rules.InvalidRule, match="déjà la dernière"):
        rules.move_rule(last, 1)
    rules.move_rule(first, 1)
    assert rules.rules_by_kind()[MeetingKind.RENDEZ_VOUS][1] is first
