"""Territory pages: lists and filters on today's memberships, sector and syndicate editing."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, func, select

from concertation.accounts.models import User, UserRole
from concertation.extensions import db
from concertation.people.models import Mandate, Person, Role
from concertation.territory.models import (
    Canton,
    Commune,
    Intercommunality,
    Sector,
    Syndicate,
    SyndicateMember,
)
from concertation.territory.services import sector_by_town
from tests.common.http import csrf_token

Login = Callable[..., User]
GEVAUDAN = "244800470"


def commune(insee: str) -> Commune:
    found = db.session.scalar(select(Commune).where(Commune.insee_code == insee))
    assert found is not None
    return found


def epci(siren: str) -> Intercommunality:
    found = db.session.scalar(select(Intercommunality).where(Intercommunality.siren == siren))
    assert found is not None
    return found


def canton(code: str) -> Canton:
    found = db.session.scalar(select(Canton).where(Canton.code == code))
    assert found is not None
    return found


def florac() -> Sector:
    sector = sector_by_town("48061")
    assert sector is not None
    return sector


def add_elu(last_name: str, role: Role, **body: object) -> Person:
    person = Person(civility="Mme", first_name="Claire", last_name=last_name, email=None)
    person.mandates.append(Mandate(role=role, starts_on=date(2020, 7, 1), **body))
    db.session.add(person)
    db.session.commit()
    return person


def listed_count(page: str) -> int:
    match = re.search(r"<strong>(\d+)</strong> commune", page)
    assert match, page
    return int(match.group(1))


@contextmanager
def count_queries() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_pages_require_login(client: FlaskClient, lozere: None) -> None:
    response = client.get("/territoire/communes")
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]


def test_communes_filtered_by_intercommunality(client: FlaskClient, lozere: None, login: Login) -> None:
    login(UserRole.LECTEUR)
    page = client.get(f"/territoire/communes?cc={GEVAUDAN}").get_data(as_text=True)
    assert listed_count(page) == 12
    assert "Marvejols" in page
    assert "Mende</a>" not in page
    assert listed_count(client.get("/territoire/communes").get_data(as_text=True)) == 152


def test_communes_filtered_by_canton_and_sector(client: FlaskClient, lozere: None, login: Login) -> None:
    login(UserRole.LECTEUR)
    mende_1 = canton("4809")
    page = client.get("/territoire/communes?canton=4809").get_data(as_text=True)
    assert listed_count(page) == len(mende_1.communes)
    assert ">Mende</a>" in page
    page = client.get(f"/territoire/communes?secteur={florac().id}").get_data(as_text=True)
    assert ">Le Rozier</a>" in page
    assert listed_count(page) == len(florac().communes_on(date.today()))
    page = client.get(f"/territoire/communes?secteur={florac().id}&cc={GEVAUDAN}").get_data(as_text=True)
    assert listed_count(page) == 0


def test_commune_search_by_name_or_code(client: FlaskClient, lozere: None, login: Login) -> None:
    login(UserRole.LECTEUR)
    page = client.get("/territoire/communes?q=saint+chely").get_data(as_text=True)
    assert "Saint-Chély-d&#39;Apcher" in page
    page = client.get("/territoire/communes?q=48095").get_data(as_text=True)
    assert listed_count(page) == 1 and ">Mende</a>" in page
    page = client.get("/territoire/communes?q=ROZIER").get_data(as_text=True)
    assert listed_count(page) == 1


def test_unknown_filter_values_are_ignored(client: FlaskClient, lozere: None, login: Login) -> None:
    login(UserRole.LECTEUR)
    response = client.get("/territoire/communes?cc=999&canton=x&secteur=abc&q=" + "a" * 300)
    assert response.status_code == 200
    assert listed_count(response.get_data(as_text=True)) == 152


def test_communes_list_has_no_n_plus_one(client: FlaskClient, lozere: None, login: Login) -> None:
    login(UserRole.LECTEUR)
    with count_queries() as statements:
        assert client.get("/territoire/communes").status_code == 200
    assert len(statements) < 25, statements


def test_mende_shows_both_cantons_and_its_elus(client: FlaskClient, lozere: None, login: Login) -> None:
    mende = commune("48095")
    add_elu("Maire-de-Mende", Role.MAIRE, commune=mende)
    ended = add_elu("Ancien", Role.MAIRE, commune=mende)
    ended.mandates[0].ends_on = date(2020, 12, 31)
    db.session.commit()
    login(UserRole.LECTEUR)
    page = client.get(f"/territoire/communes/{mende.id}").get_data(as_text=True)
    assert "Mende-1" in page and "Mende-2" in page
    assert mende.siren is not None and mende.siren in page
    assert "48000" in page
    assert "Maire-de-Mende" in page
    assert "Ancien" not in page
    assert "courrier papier" in page


def test_commune_detail_lists_former_communes(client: FlaskClient, lozere: None, login: Login) -> None:
    login(UserRole.LECTEUR)
    with_former = db.session.scalar(select(Commune).where(Commune.former_communes.any()))
    assert with_former is not None
    page = client.get(f"/territoire/communes/{with_former.id}").get_data(as_text=True)
    assert "Anciennes communes" in page
    assert client.get("/territoire/communes/999999").status_code == 404


def test_intercommunalities_list_and_detail(client: FlaskClient, lozere: None, login: Login) -> None:
    gevaudan = epci(GEVAUDAN)
    add_elu("Presidente", Role.PRESIDENT_EPCI, intercommunality=gevaudan)
    login(UserRole.LECTEUR)
    page = client.get("/territoire/intercommunalites").get_data(as_text=True)
    assert "CC du Gévaudan" in page and "Presidente" in page
    assert "CC de Millau Grands Causses" in page
    page = client.get(f"/territoire/intercommunalites/{gevaudan.id}").get_data(as_text=True)
    assert "Communes membres au" in page and "(12)" in page
    assert "Présidente de la CC du Gévaudan" in page


def test_cantons_list_and_detail(client: FlaskClient, lozere: None, login: Login) -> None:
    mende_2 = canton("4810")
    add_elu("Conseillere", Role.CONSEILLER_DEPARTEMENTAL, canton=mende_2)
    login(UserRole.LECTEUR)
    page = client.get("/territoire/cantons").get_data(as_text=True)
    assert page.count('<th scope="row"') == 13
    assert "Conseillere" in page
    page = client.get(f"/territoire/cantons/{mende_2.id}").get_data(as_text=True)
    assert 'Mende</a> <span class="text-body-secondary">(en partie)' in page
    assert "Conseillère départementale (canton de Mende-2)" in page


def test_sectors_list_and_florac_detail(client: FlaskClient, lozere: None, login: Login) -> None:
    login(UserRole.LECTEUR)
    page = client.get("/territoire/secteurs").get_data(as_text=True)
    assert page.count('<th scope="row"') == 5
    page = client.get(f"/territoire/secteurs/{florac().id}").get_data(as_text=True)
    assert "Le Rozier" in page
    assert "Modifier le secteur" not in page  # a reader cannot edit


def test_sector_edit_persists(client: FlaskClient, lozere: None, login: Login) -> None:
    login(UserRole.ADMIN)
    sector = florac()
    url = f"/territoire/secteurs/{sector.id}/modifier"
    page = client.get(url).get_data(as_text=True)
    assert f'<option selected value="{commune("48131").id}">Le Rozier (48131)</option>' in page
    gevaudan, rozier, mende = epci(GEVAUDAN), commune("48131"), commune("48095")
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "intercommunalities": [str(gevaudan.id)],
            "extra_communes": [str(rozier.id), str(mende.id)],
        },
    )
    assert response.status_code == 303
    db.session.expire_all()
    sector = florac()
    assert [e.siren for e in sector.intercommunalities] == [GEVAUDAN]
    assert {c.insee_code for c in sector.extra_communes} == {"48131", "48095"}
    assert len(sector.communes_on(date.today())) == 14


def test_sector_edit_with_unknown_choice_is_refused(client: FlaskClient, lozere: None, login: Login) -> None:
    login(UserRole.ADMIN)
    sector = florac()
    url = f"/territoire/secteurs/{sector.id}/modifier"
    response = client.post(
        url, data={"csrf_token": csrf_token(client, url), "intercommunalities": ["999999"]}
    )
    assert response.status_code == 422
    assert "n&#39;est pas un choix valide" in response.get_data(as_text=True)
    db.session.expire_all()
    assert len(florac().intercommunalities) == 2


def _syndicate_form(client: FlaskClient, url: str, **values: object) -> dict[str, object]:
    data: dict[str, object] = {"csrf_token": csrf_token(client, url), "name": "", "siren": "", "purpose": ""}
    data.update(values)
    return data


def test_syndicate_create_with_members(client: FlaskClient, lozere: None, login: Login) -> None:
    login(UserRole.ADMIN)
    url = "/territoire/syndicats/nouveau"
    gevaudan, mende, rozier = epci(GEVAUDAN), commune("48095"), commune("48131")
    response = client.post(
        url,
        data=_syndicate_form(
            client,
            url,
            name="SDEE de la Lozère",
            siren="255 300 018",
            purpose="Énergies",
            communes=[str(mende.id), str(rozier.id)],
            intercommunalities=[str(gevaudan.id)],
        ),
    )
    assert response.status_code == 303
    syndicate = db.session.scalar(select(Syndicate))
    assert syndicate is not None
    assert (syndicate.name, syndicate.siren) == ("SDEE de la Lozère", "255300018")
    assert sorted(m.label for m in syndicate.members) == ["CC du Gévaudan", "Le Rozier", "Mende"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Syndicat « SDEE de la Lozère » créé." in page
    assert "Communes membres (2)" in page
    page = client.get(f"/territoire/communes/{rozier.id}").get_data(as_text=True)
    assert "SDEE de la Lozère" in page


def test_syndicate_with_invalid_siren_writes_nothing(client: FlaskClient, lozere: None, login: Login) -> None:
    login(UserRole.ADMIN)
    url = "/territoire/syndicats/nouveau"
    mende = commune("48095")
    response = client.post(
        url, data=_syndicate_form(client, url, name="SIVOM", siren="12345", communes=[str(mende.id)])
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Le SIREN doit comporter exactement 9 chiffres." in page
    assert 'value="SIVOM"' in page
    assert db.session.scalar(select(func.count(Syndicate.id))) == 0
    assert db.session.scalar(select(func.count(SyndicateMember.id))) == 0


def test_syndicate_duplicate_name_is_refused(client: FlaskClient, lozere: None, login: Login) -> None:
    db.session.add(Syndicate(name="SIVOM du Valdonnez", siren="200000001"))
    db.session.commit()
    login(UserRole.ADMIN)
    url = "/territoire/syndicats/nouveau"
    response = client.post(url, data=_syndicate_form(client, url, name="SIVOM  du Valdonnez"))
    assert response.status_code == 422
    assert "Un syndicat nommé « SIVOM du Valdonnez » existe déjà." in response.get_data(as_text=True)
    response = client.post(url, data=_syndicate_form(client, url, name="Autre", siren="200000001"))
    assert response.status_code == 422
    assert "Un syndicat de SIREN 200000001 existe déjà." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Syndicate.id))) == 1


def test_syndicate_edit_replaces_members(client: FlaskClient, lozere: None, login: Login) -> None:
    mende, rozier = commune("48095"), commune("48131")
    syndicate = Syndicate(name="SIAEP", members=[SyndicateMember(commune=mende)])
    db.session.add(syndicate)
    db.session.commit()
    login(UserRole.ADMIN)
    url = f"/territoire/syndicats/{syndicate.id}/modifier"
    page = client.get(url).get_data(as_text=True)
    assert 'value="SIAEP"' in page
    response = client.post(
        url,
        data=_syndicate_form(client, url, name="SIAEP du Causse", purpose="Eau", communes=[str(rozier.id)]),
    )
    assert response.status_code == 303
    db.session.expire_all()
    syndicate = db.session.get(Syndicate, syndicate.id)
    assert syndicate is not None
    assert syndicate.name == "SIAEP du Causse" and syndicate.siren is None
    assert [m.label for m in syndicate.members] == ["Le Rozier"]


def test_syndicate_delete_removes_its_mandates(client: FlaskClient, lozere: None, login: Login) -> None:
    syndicate = Syndicate(name="SIVU", members=[SyndicateMember(commune=commune("48095"))])
    db.session.add(syndicate)
    db.session.commit()
    person = add_elu("Presidente", Role.PRESIDENT_SYNDICAT, syndicate=syndicate)
    person.mandates.append(Mandate(role=Role.MAIRE, commune=commune("48095")))
    db.session.commit()
    login(UserRole.ADMIN)
    url = f"/territoire/syndicats/{syndicate.id}/supprimer"
    assert "1 mandat(s)" in client.get(url).get_data(as_text=True)
    response = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Syndicate.id))) == 0
    assert db.session.scalar(select(func.count(SyndicateMember.id))) == 0
    assert [m.role for m in db.session.scalars(select(Mandate))] == [Role.MAIRE]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/territoire/secteurs/{sector}/modifier"),
        ("post", "/territoire/secteurs/{sector}/modifier"),
        ("get", "/territoire/syndicats/nouveau"),
        ("post", "/territoire/syndicats/nouveau"),
        ("get", "/territoire/syndicats/{syndicate}/modifier"),
        ("post", "/territoire/syndicats/{syndicate}/modifier"),
        ("get", "/territoire/syndicats/{syndicate}/supprimer"),
        ("post", "/territoire/syndicats/{syndicate}/supprimer"),
    ],
)
def test_reader_cannot_write(client: FlaskClient, lozere: None, login: Login, method: str, path: str) -> None:
    syndicate = Syndicate(name="SIVU")
    db.session.add(syndicate)
    db.session.commit()
    login(UserRole.LECTEUR)
    # A reader has no write form; the logout form of the menu still gives a valid CSRF token.
    token = csrf_token(client, "/territoire/communes")
    url = path.format(sector=florac().id, syndicate=syndicate.id)
    if method == "get":
        response = client.get(url)
    else:
        response = client.post(url, data={"csrf_token": token, "name": "Pirate", "intercommunalities": []})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.scalar(select(Syndicate.name)) == "SIVU"
    assert len(florac().intercommunalities) == 2


def test_xss_in_syndicate_name_is_escaped(client: FlaskClient, lozere: None, login: Login) -> None:
    db.session.add(Syndicate(name="<script>alert(1)</script>", purpose="<img src=x onerror=alert(2)>"))
    db.session.commit()
    login(UserRole.LECTEUR)
    for url in ("/territoire/syndicats", f"/territoire/syndicats/{db.session.scalar(select(Syndicate.id))}"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<img src=x" not in page


def test_a_syndicate_owning_a_project_sheet_cannot_be_deleted(
    client: FlaskClient, lozere: None, login: Callable[..., User]
) -> None:
    from decimal import Decimal

    from concertation.contracts.enums import OwnerKind, Theme
    from concertation.contracts.models import Contract, ProjectSheet
    from tests.common import db as f

    syndicate = f.syndicate("Syndicat AEP de la Colagne", communes=["48092"])
    contract = Contract(
        intercommunality=f.epci("244800470"),
        title="Contrat",
        starts_on=date(2027, 1, 1),
        ends_on=date(2029, 12, 31),
    )
    db.session.add(contract)
    db.session.add(
        ProjectSheet(
            contract=contract,
            number=1,
            title="Réservoir",
            owner_kind=OwnerKind.SYNDICATE,
            owner_syndicate=syndicate,
            theme=Theme.EAU,
            estimated_cost=Decimal("100000.00"),
            grant_requested=Decimal("30000.00"),
            priority=1,
            planned_year=2027,
        )
    )
    db.session.commit()
    login(UserRole.ADMIN)
    url = f"/territoire/syndicats/{syndicate.id}/supprimer"
    response = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 303
    assert db.session.get(Syndicate, syndicate.id) is not None
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "ne peut pas être supprimé" in page
