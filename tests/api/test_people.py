"""GET /api/v1/people: persons and their mandates, filters and pagination."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from concertation.accounts.models import UserRole
from concertation.core.timeutils import today_paris
from concertation.extensions import db
from concertation.people.models import Mandate, MandateSource, Person, Role
from concertation.territory.models import Canton, Commune, Intercommunality
from tests.common.http import bearer, count_queries

pytestmark = pytest.mark.usefixtures("lozere")


def person(first: str, last: str, civility: str = "M.", **extra: Any) -> Person:
    item = Person(first_name=first, last_name=last, civility=civility, **extra)
    db.session.add(item)
    return item


def commune(insee: str) -> Commune:
    return db.session.scalars(select(Commune).where(Commune.insee_code == insee)).one()


@pytest.fixture()
def elus() -> dict[str, Person]:
    """A maire who presides his CC, a conseillère départementale, a former maire."""
    marvejols = commune("48092")
    gevaudan = marvejols.intercommunality_on(today_paris())
    assert isinstance(gevaudan, Intercommunality)
    mende_1 = db.session.scalars(select(Canton).where(Canton.code == "4809")).one()
    maire = person("Jean", "Dupont", email="jean.dupont@example.org")
    maire.mandates = [
        Mandate(role=Role.MAIRE, commune=marvejols, starts_on=date(2020, 5, 25), source=MandateSource.RNE),
        Mandate(role=Role.PRESIDENT_EPCI, intercommunality=gevaudan, starts_on=date(2020, 7, 15)),
    ]
    conseillere = person("Hélène", "Martin", civility="Mme")
    conseillere.mandates = [
        Mandate(role=Role.CONSEILLER_DEPARTEMENTAL, canton=mende_1, starts_on=date(2021, 7, 1)),
    ]
    ancien = person("Paul", "Durand")
    ancien.mandates = [
        Mandate(
            role=Role.MAIRE,
            commune=commune("48095"),
            starts_on=date(2014, 4, 1),
            ends_on=today_paris() - timedelta(days=30),
        )
    ]
    db.session.commit()
    return {"maire": maire, "conseillere": conseillere, "ancien": ancien}


@pytest.fixture()
def get(client: FlaskClient, api_token: Callable[..., str]) -> Callable[[str], Any]:
    headers = bearer(api_token(UserRole.LECTEUR))

    def do_get(url: str) -> Any:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response

    return do_get


def names(response: Any) -> list[str]:
    return [p["full_name"] for p in response.get_json()]


def test_people_with_their_mandates(get: Callable[[str], Any], elus: dict[str, Person]) -> None:
    response = get("/api/v1/people")
    assert names(response) == ["Jean Dupont", "Paul Durand", "Hélène Martin"]
    dupont = response.get_json()[0]
    assert dupont["email"] == "jean.dupont@example.org"
    maire, president = dupont["mandates"]
    assert maire["role"] == "maire"
    assert maire["role_label"] == "Maire"
    assert maire["body"] == {"type": "commune", "code": "48092", "name": "Marvejols"}
    assert maire["starts_on"] == "2020-05-25"
    assert maire["ends_on"] is None
    assert maire["is_current"] is True
    assert maire["quality"] == "Maire de Marvejols"
    assert maire["source"] == "rne"
    assert president["body"]["type"] == "intercommunality"
    assert president["quality"].startswith("Président de la ")


def test_person_detail(get: Callable[[str], Any], elus: dict[str, Person]) -> None:
    martin = get(f"/api/v1/people/{elus['conseillere'].id}").get_json()
    (mandate,) = martin["mandates"]
    assert mandate["body"] == {"type": "canton", "code": "4809", "name": "Mende-1"}
    assert mandate["quality"] == "Conseillère départementale (canton de Mende-1)"


def test_unknown_person_is_404(client: FlaskClient, api_token: Callable[..., str]) -> None:
    response = client.get("/api/v1/people/12345", headers=bearer(api_token()))
    assert response.status_code == 404
    assert response.get_json()["message"] == "Aucune personne n'a l'identifiant 12345."


def test_filters(get: Callable[[str], Any], elus: dict[str, Person]) -> None:
    assert names(get("/api/v1/people?role=maire")) == ["Jean Dupont", "Paul Durand"]
    assert names(get("/api/v1/people?role=maire&current=true")) == ["Jean Dupont"]
    assert names(get("/api/v1/people?current=true")) == ["Jean Dupont", "Hélène Martin"]
    assert names(get("/api/v1/people?role=president_epci")) == ["Jean Dupont"]
    assert names(get("/api/v1/people?q=MART")) == ["Hélène Martin"]
    assert names(get("/api/v1/people?q=jean dup")) == ["Jean Dupont"]
    assert names(get("/api/v1/people?q=50%")) == []
    # The directory's search: the e-mail address counts too.
    assert names(get("/api/v1/people?q=dupont@example")) == ["Jean Dupont"]
    ancien = get("/api/v1/people?role=maire&current=false").get_json()[1]
    assert ancien["mandates"][0]["is_current"] is False


def test_bad_filters_are_422(client: FlaskClient, api_token: Callable[..., str]) -> None:
    response = client.get("/api/v1/people?role=pape&current=peut-etre", headers=bearer(api_token()))
    assert response.status_code == 422
    errors = response.get_json()["errors"]["query"]
    assert errors["role"][0].startswith("Valeur attendue parmi : maire, ")
    assert errors["current"] == ["Booléen attendu (true ou false)."]


def test_pagination(get: Callable[[str], Any]) -> None:
    for n in range(7):
        person("Élu", f"Nom{n}")
    db.session.commit()
    response = get("/api/v1/people?page=2&page_size=3")
    assert names(response) == ["Élu Nom3", "Élu Nom4", "Élu Nom5"]
    assert '"total": 7' in response.headers["X-Pagination"]


def test_list_does_not_query_per_person(get: Callable[[str], Any], elus: dict[str, Person]) -> None:
    for n in range(10):
        extra = person("Élu", f"Nom{n}")
        extra.mandates = [Mandate(role=Role.MAIRE, commune=commune("48092"))]
    db.session.commit()
    with count_queries() as statements:
        assert len(get("/api/v1/people").get_json()) == 13
    # token, count, persons, mandates, then the bodies: no statement per person.
    assert len(statements) <= 6, statements
