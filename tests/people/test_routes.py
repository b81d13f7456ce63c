"""Élus directory pages: search, filters, export, person and mandate forms, access control."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, func, select

from concertation.accounts.models import User, UserRole
from concertation.core.timeutils import today_paris
from concertation.extensions import db
from concertation.people.models import Mandate, Person, Role
from concertation.territory.models import Canton, Commune, Intercommunality, Syndicate
from tests.common.http import csrf_token

Login = Callable[..., User]
XSS = '<script>alert("x")</script>'


def commune(insee: str) -> Commune:
    found = db.session.scalar(select(Commune).where(Commune.insee_code == insee))
    assert found is not None
    return found


def gevaudan() -> Intercommunality:
    found = db.session.scalar(select(Intercommunality).where(Intercommunality.siren == "244800470"))
    assert found is not None
    return found


def make_person(
    last_name: str,
    *mandates: Mandate,
    first_name: str = "Jean",
    civility: str = "M.",
    email: str | None = None,
    **values: object,
) -> Person:
    person = Person(
        civility=civility,
        first_name=first_name,
        last_name=last_name,
        email=email,
        mandates=list(mandates),
        **values,
    )
    db.session.add(person)
    db.session.commit()
    return person


def mayor(insee: str, starts_on: date = date(2020, 7, 3), ends_on: date | None = None) -> Mandate:
    return Mandate(role=Role.MAIRE, commune=commune(insee), starts_on=starts_on, ends_on=ends_on)


def row_names(page: str) -> list[str]:
    return re.findall(r'<span class="text-uppercase">([^<]*)</span>', page)


def person_count() -> int:
    return db.session.scalar(select(func.count(Person.id))) or 0


@pytest.fixture()
def elus(lozere: None) -> dict[str, Person]:
    """A small directory: current mayors, a former mayor, a CC president without email, a contact."""
    return {
        "mende": make_person("Dupont", mayor("48095"), email="jean.dupont@mende.fr", phone="04 66 00 00 00"),
        "marvejols": make_person(
            "Martin",
            mayor("48092"),
            Mandate(role=Role.PRESIDENT_EPCI, intercommunality=gevaudan(), starts_on=date(2020, 7, 15)),
            first_name="Claire",
            civility="Mme",
        ),
        "former": make_person("Ancien", mayor("48080", date(2014, 3, 28), date(2020, 5, 23)), email="a@b.fr"),
        "contact": make_person("Sanschaise", first_name="Paul", email="paul@lozere.fr"),
    }


def test_directory_shows_current_mandates_by_default(
    client: FlaskClient, elus: dict[str, Person], login: Login
):
    login(UserRole.LECTEUR)
    page = client.get("/elus/").get_data(as_text=True)
    assert row_names(page) == ["Dupont", "Martin", "Sanschaise"]
    assert "Maire de Mende" in page
    assert "Maire de Marvejols" in page and "Présidente de la CC du Gévaudan" in page
    assert page.count("courrier papier") == 1  # Claire Martin has no email
    page = client.get("/elus/?anciens=y").get_data(as_text=True)
    assert row_names(page) == ["Ancien", "Dupont", "Martin", "Sanschaise"]
    assert "terminé le 23/05/2020" in page


def test_directory_filters(client: FlaskClient, elus: dict[str, Person], login: Login) -> None:
    login(UserRole.LECTEUR)
    assert row_names(client.get("/elus/?role=president_epci").get_data(as_text=True)) == ["Martin"]
    assert row_names(client.get("/elus/?role=maire").get_data(as_text=True)) == ["Dupont", "Martin"]
    assert row_names(client.get("/elus/?role=maire&anciens=y").get_data(as_text=True)) == [
        "Ancien",
        "Dupont",
        "Martin",
    ]
    mende = commune("48095")
    assert row_names(client.get(f"/elus/?instance=commune:{mende.id}").get_data(as_text=True)) == ["Dupont"]
    assert row_names(client.get(f"/elus/?instance=epci:{gevaudan().id}").get_data(as_text=True)) == ["Martin"]
    assert row_names(client.get("/elus/?q=dup").get_data(as_text=True)) == ["Dupont"]
    assert row_names(client.get("/elus/?q=claire+mar").get_data(as_text=True)) == ["Martin"]
    assert row_names(client.get("/elus/?q=100%25").get_data(as_text=True)) == []
    # Values that are not among the choices are ignored, never an error.
    response = client.get("/elus/?role=pape&instance=planete:3&page=-4")
    assert response.status_code == 200
    assert row_names(response.get_data(as_text=True)) == ["Dupont", "Martin", "Sanschaise"]


def test_directory_body_filter_offers_every_kind(
    client: FlaskClient, elus: dict[str, Person], login: Login
) -> None:
    db.session.add(Syndicate(name="SDEE"))
    db.session.commit()
    login(UserRole.LECTEUR)
    page = client.get("/elus/").get_data(as_text=True)
    for group in ("Communes", "Intercommunalités", "Cantons", "Syndicats"):
        assert f'<optgroup label="{group}">' in page


def test_directory_pagination(client: FlaskClient, lozere: None, login: Login) -> None:
    mende = commune("48095")
    db.session.add_all(
        Person(
            first_name="Élu",
            last_name=f"Conseiller{n:02d}",
            mandates=[Mandate(role=Role.CONSEILLER_MUNICIPAL, commune=mende, starts_on=date(2020, 7, 3))],
        )
        for n in range(60)
    )
    db.session.commit()
    login(UserRole.LECTEUR)
    page = client.get("/elus/?role=conseiller_municipal").get_data(as_text=True)
    assert len(row_names(page)) == 50
    assert "page 1 sur 2" in page
    assert "/elus/?role=conseiller_municipal&amp;page=2" in page
    page = client.get("/elus/?role=conseiller_municipal&page=2").get_data(as_text=True)
    assert row_names(page) == [f"Conseiller{n:02d}" for n in range(50, 60)]
    assert row_names(client.get("/elus/?page=9").get_data(as_text=True)) == []


def test_directory_queries_do_not_grow_with_rows(client: FlaskClient, elus: dict[str, Person], login: Login):
    login(UserRole.LECTEUR)

    def queries_of_one_page() -> int:
        db.session.expire_all()
        statements: list[str] = []

        def record(*args: object) -> None:
            statements.append(str(args[2]))

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert client.get("/elus/?anciens=y").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return len(statements)

    few = queries_of_one_page()
    for n in range(20):
        make_person(f"Nouveau{n}", mayor("48095"), Mandate(role=Role.CONSEILLER_DEPARTEMENTAL, canton_id=1))
    assert queries_of_one_page() <= few + 1  # + the canton of the new mandates


def test_csv_export(client: FlaskClient, elus: dict[str, Person], login: Login) -> None:
    login(UserRole.LECTEUR)
    response = client.get("/elus/export.csv?role=maire&page=3")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0] == "civilité;nom;prénom;email;téléphone;qualités"
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[1:] == [
        ["M.", "Dupont", "Jean", "jean.dupont@mende.fr", "04 66 00 00 00", "Maire de Mende"],
        ["Mme", "Martin", "Claire", "", "", "Maire de Marvejols, Présidente de la CC du Gévaudan"],
    ]
    all_rows = list(
        csv.reader(io.StringIO(client.get("/elus/export.csv").get_data().decode("utf-8-sig")), delimiter=";")
    )
    assert len(all_rows) == 4  # header + the three listed by default


def test_person_detail_shows_all_mandates_with_french_dates(
    client: FlaskClient, elus: dict[str, Person], login: Login
) -> None:
    person = elus["former"]
    person.mandates.append(mayor("48080", date(2020, 5, 24)))
    db.session.commit()
    login(UserRole.LECTEUR)
    page = client.get(f"/elus/{person.id}").get_data(as_text=True)
    assert "28/03/2014" in page and "23/05/2020" in page and "24/05/2020" in page
    assert page.count("Maire de Langogne") == 2
    assert "terminé" in page and "en cours" in page
    assert "Ajouter un mandat" not in page  # a reader only reads
    assert client.get("/elus/999999").status_code == 404


def test_create_and_edit_person(client: FlaskClient, lozere: None, login: Login) -> None:
    login(UserRole.ORGANISATEUR)
    url = "/elus/nouveau"
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "civility": "Mme",
            "first_name": "  Émilie ",
            "last_name": "Rouvière",
            "birth_on": "1970-02-01",
            "email": "Emilie.Rouviere@Example.FR",
            "phone": "06 12 34 56 78",
            "postal_address": "Mairie\n48000 Mende",
            "notes": "Préfère le téléphone.",
        },
    )
    assert response.status_code == 303
    person = db.session.scalar(select(Person))
    assert person is not None
    assert (person.first_name, person.email, person.birth_on) == (
        "Émilie",
        "Emilie.Rouviere@example.fr",
        date(1970, 2, 1),
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Mme Émilie Rouvière ajouté(e) à l&#39;annuaire." in page
    assert "01/02/1970" in page

    url = f"/elus/{person.id}/modifier"
    assert 'value="Rouvière"' in client.get(url).get_data(as_text=True)
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "civility": "Mme",
            "first_name": "Émilie",
            "last_name": "Roux",
            "birth_on": "1970-02-01",
            "email": "",  # a browser sends the emptied field
            "phone": "",
            "postal_address": "",
            "notes": "",
        },
    )
    assert response.status_code == 303
    db.session.expire_all()
    person = db.session.get(Person, person.id)
    assert person is not None
    assert (person.last_name, person.email, person.needs_paper) == ("Roux", None, True)
    assert person.birth_on == date(1970, 2, 1) and person.notes == ""


def test_invalid_email_is_refused_in_french(client: FlaskClient, lozere: None, login: Login) -> None:
    login(UserRole.ORGANISATEUR)
    url = "/elus/nouveau"
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "first_name": "Jean",
            "last_name": "Durand",
            "email": "jean@",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Adresse électronique invalide" in page
    assert 'value="Durand"' in page
    assert person_count() == 0
    response = client.post(
        url,
        data={"csrf_token": csrf_token(client, url), "first_name": "", "last_name": "", "birth_on": "31/02"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Le nom est obligatoire." in page and "N&#39;est pas une date valide." in page
    assert person_count() == 0


def test_accented_local_part_is_refused_in_the_person_form(
    client: FlaskClient, lozere: None, login: Login
) -> None:
    login(UserRole.ORGANISATEUR)
    url = "/elus/nouveau"
    data = {"first_name": "Élodie", "last_name": "Dupré", "email": "élodie.dupre@mairie-lozère.fr"}
    response = client.post(url, data={"csrf_token": csrf_token(client, url), **data})
    assert response.status_code == 422
    assert "les lettres accentuées ne sont pas acceptées avant « @ »" in response.get_data(as_text=True)
    assert person_count() == 0
    data["email"] = "elodie.dupre@mairie-lozère.fr"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), **data})
    assert response.status_code == 303
    assert db.session.scalar(select(Person.email)) == "elodie.dupre@mairie-lozère.fr"


def test_duplicate_person_is_refused(client: FlaskClient, lozere: None, login: Login) -> None:
    make_person("Durand", birth_on=date(1960, 5, 5))
    login(UserRole.ORGANISATEUR)
    url = "/elus/nouveau"
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "first_name": "jean",
            "last_name": "DURAND",
            "birth_on": "1960-05-05",
        },
    )
    assert response.status_code == 422
    assert "est déjà enregistré(e)" in response.get_data(as_text=True)
    assert person_count() == 1


def _mandate_post(client: FlaskClient, person: Person, **values: str) -> tuple[int, str]:
    data = {"csrf_token": csrf_token(client, f"/elus/{person.id}"), "starts_on": "", "ends_on": ""}
    data.update(values)
    response = client.post(f"/elus/{person.id}/mandats", data=data)
    return response.status_code, response.get_data(as_text=True)


def test_add_mandates(client: FlaskClient, lozere: None, login: Login) -> None:
    person = make_person("Durand")
    login(UserRole.ORGANISATEUR)
    mende = commune("48095")
    canton = db.session.scalar(select(Canton).where(Canton.code == "4809"))
    assert canton is not None
    status, _ = _mandate_post(
        client,
        person,
        role="maire",
        commune_id=str(mende.id),
        canton_id=str(canton.id),
        starts_on="2020-07-03",
    )
    assert status == 303
    status, _ = _mandate_post(client, person, role="president_conseil_departemental", starts_on="2021-07-01")
    assert status == 303
    db.session.expire_all()
    mandates = db.session.scalars(select(Mandate).order_by(Mandate.starts_on)).all()
    assert [(m.role, m.commune_id, m.canton_id) for m in mandates] == [
        ("maire", mende.id, None),
        ("president_conseil_departemental", None, None),
    ]
    page = client.get(f"/elus/{person.id}").get_data(as_text=True)
    assert "Maire de Mende" in page and "Président du Conseil départemental de la Lozère" in page
    assert "03/07/2020" in page


def test_invalid_mandates_are_refused(client: FlaskClient, lozere: None, login: Login) -> None:
    person = make_person("Durand", mayor("48095", date(2020, 7, 3)))
    login(UserRole.ORGANISATEUR)
    status, page = _mandate_post(
        client,
        person,
        role="adjoint",
        commune_id=str(commune("48092").id),
        starts_on="2021-01-10",
        ends_on="2020-01-01",
    )
    assert status == 422
    assert "La date de fin (01/01/2020) ne peut pas précéder la date de début (10/01/2021)." in page
    status, page = _mandate_post(client, person, role="conseiller_communautaire", starts_on="2021-01-10")
    assert status == 422
    assert "Choisissez l&#39;intercommunalité où ce mandat est exercé." in page
    status, page = _mandate_post(client, person, role="maire", commune_id=str(commune("48095").id))
    assert status == 422
    assert "Ce mandat recoupe un mandat déjà enregistré : Maire de Mende." in page
    status, page = _mandate_post(client, person, role="maire", commune_id="abc")
    assert status == 422
    assert db.session.scalar(select(func.count(Mandate.id))) == 1


def test_end_and_delete_mandate(client: FlaskClient, lozere: None, login: Login) -> None:
    person = make_person("Durand", mayor("48095", date(2020, 7, 3)))
    mandate_id = person.mandates[0].id
    login(UserRole.ORGANISATEUR)
    token = csrf_token(client, f"/elus/{person.id}")
    response = client.post(
        f"/elus/mandats/{mandate_id}/fin",
        data={"csrf_token": token, f"fin{mandate_id}-ends_on": "2019-01-01"},
    )
    assert response.status_code == 422
    assert "ne peut pas précéder la date de début (03/07/2020)" in response.get_data(as_text=True)
    yesterday = today_paris() - timedelta(days=1)
    response = client.post(
        f"/elus/mandats/{mandate_id}/fin",
        data={"csrf_token": token, f"fin{mandate_id}-ends_on": yesterday.isoformat()},
    )
    assert response.status_code == 303
    db.session.expire_all()
    mandate = db.session.get(Mandate, mandate_id)
    assert mandate is not None and mandate.ends_on == yesterday
    assert row_names(client.get("/elus/").get_data(as_text=True)) == []

    response = client.post(f"/elus/mandats/{mandate_id}/supprimer", data={"csrf_token": token})
    assert response.status_code == 303
    assert "Mandat supprimé : Maire de Mende." in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert db.session.scalar(select(func.count(Mandate.id))) == 0
    assert person_count() == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/elus/nouveau"),
        ("post", "/elus/nouveau"),
        ("get", "/elus/{person}/modifier"),
        ("post", "/elus/{person}/modifier"),
        ("post", "/elus/{person}/mandats"),
        ("post", "/elus/mandats/{mandate}/fin"),
        ("post", "/elus/mandats/{mandate}/supprimer"),
    ],
)
def test_reader_cannot_write(client: FlaskClient, lozere: None, login: Login, method: str, path: str) -> None:
    person = make_person("Durand", mayor("48095"))
    mandate_id = person.mandates[0].id
    login(UserRole.LECTEUR)
    token = csrf_token(client, "/elus/")  # from the logout form
    url = path.format(person=person.id, mandate=mandate_id)
    if method == "get":
        response = client.get(url)
    else:
        response = client.post(
            url,
            data={
                "csrf_token": token,
                "first_name": "X",
                "last_name": "Pirate",
                "role": "maire",
                "commune_id": str(commune("48092").id),
                f"fin{mandate_id}-ends_on": "2024-01-01",
            },
        )
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.scalar(select(Person.last_name)) == "Durand"
    assert [(m.commune_id, m.ends_on) for m in db.session.scalars(select(Mandate))] == [
        (commune("48095").id, None)
    ]


def test_user_text_is_escaped(client: FlaskClient, lozere: None, login: Login) -> None:
    person = make_person(XSS, mayor("48095"), first_name=XSS, notes=XSS, postal_address=XSS, phone="<b>1</b>")
    login(UserRole.ORGANISATEUR)
    for url in (
        "/elus/",
        f"/elus/{person.id}",
        f"/elus/{person.id}/modifier",
        f"/territoire/communes/{commune('48095').id}",
    ):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in page, url
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page, url
    url = f"/elus/{person.id}/modifier"
    response = client.post(
        url, data={"csrf_token": csrf_token(client, url), "first_name": "A", "last_name": "B", "email": XSS}
    )
    assert response.status_code == 422
    assert "<script>alert" not in response.get_data(as_text=True)


def test_csv_neutralises_formulas(client: FlaskClient, lozere: None, login: Login) -> None:
    make_person('=HYPERLINK("http://x")', mayor("48095"), phone="+33 4 66 00 00 00")
    login(UserRole.LECTEUR)
    text = client.get("/elus/export.csv").get_data().decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(text), delimiter=";"))[1]
    assert row[1] == '\'=HYPERLINK("http://x")'
    assert row[4] == "'+33 4 66 00 00 00"
