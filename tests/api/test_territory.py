"""GET /api/v1/communes, /intercommunalities, /cantons, /sectors on the real Lozère reference data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from concertation.accounts.models import UserRole
from tests.common.http import bearer, count_queries

pytestmark = pytest.mark.usefixtures("lozere")

MENDE = "48095"
LE_ROZIER = "48131"
MILLAU_GRANDS_CAUSSES = "241200567"


@pytest.fixture()
def get(client: FlaskClient, api_token: Callable[..., str]) -> Callable[[str], Any]:
    headers = bearer(api_token(UserRole.LECTEUR))

    def do_get(url: str) -> Any:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    return do_get


def test_communes(get: Callable[[str], Any]) -> None:
    communes = get("/api/v1/communes")
    assert len(communes) == 152
    assert [c["insee_code"] for c in communes] == sorted(c["insee_code"] for c in communes)
    mende = next(c for c in communes if c["insee_code"] == MENDE)
    assert mende["name"] == "Mende"
    assert mende["canton_codes"] == ["4809", "4810"]
    assert mende["postal_codes"] == ["48000"]
    assert mende["siren"]
    assert mende["population"] > 10_000
    assert all(c["intercommunality_siren"] for c in communes)


def test_le_rozier_belongs_to_millau_grands_causses(get: Callable[[str], Any]) -> None:
    assert get(f"/api/v1/communes/{LE_ROZIER}")["intercommunality_siren"] == MILLAU_GRANDS_CAUSSES
    members = get(f"/api/v1/communes?intercommunality={MILLAU_GRANDS_CAUSSES}")
    assert [c["insee_code"] for c in members] == [LE_ROZIER]


def test_unknown_commune_is_404_in_french(client: FlaskClient, api_token: Callable[..., str]) -> None:
    response = client.get("/api/v1/communes/48999", headers=bearer(api_token()))
    assert response.status_code == 404
    assert response.get_json() == {
        "code": 404,
        "status": "Not Found",
        "message": "Aucune commune n'a le code INSEE 48999.",
    }


def test_communes_filters(get: Callable[[str], Any]) -> None:
    mende_epci = get(f"/api/v1/communes/{MENDE}")["intercommunality_siren"]
    same_epci = get(f"/api/v1/communes?intercommunality={mende_epci}")
    assert MENDE in {c["insee_code"] for c in same_epci}
    assert {c["intercommunality_siren"] for c in same_epci} == {mende_epci}

    for canton in ("4809", "4810"):
        assert MENDE in {c["insee_code"] for c in get(f"/api/v1/communes?canton={canton}")}
    marvejols_canton = get("/api/v1/communes?canton=4808")
    assert len(marvejols_canton) == 5
    assert all("4808" in c["canton_codes"] for c in marvejols_canton)

    sector = get(f"/api/v1/communes?sector={MENDE}")
    mende_sector = next(s for s in get("/api/v1/sectors") if s["town_insee_code"] == MENDE)
    assert [c["insee_code"] for c in sector] == mende_sector["commune_codes"]

    both = get(f"/api/v1/communes?sector={MENDE}&canton=4809")
    assert [c["insee_code"] for c in both] == [MENDE]


def test_name_search_ignores_accents_case_and_hyphens(get: Callable[[str], Any]) -> None:
    names = {c["name"] for c in get("/api/v1/communes?q=saint chely")}
    assert "Saint-Chély-d'Apcher" in names
    assert {c["name"] for c in get("/api/v1/communes?q=MENDE")} == {"Mende"}
    assert get("/api/v1/communes?q=zzzz") == []


def test_search_matches_codes_as_the_communes_page_does(get: Callable[[str], Any]) -> None:
    assert {c["name"] for c in get("/api/v1/communes?q=48095")} == {"Mende"}


def test_unknown_filter_values_give_empty_lists(get: Callable[[str], Any]) -> None:
    assert get("/api/v1/communes?canton=9999") == []
    assert get("/api/v1/communes?intercommunality=123456789") == []
    assert get("/api/v1/communes?sector=48001") == []


def test_malformed_filter_is_422_in_french(client: FlaskClient, api_token: Callable[..., str]) -> None:
    response = client.get("/api/v1/communes?intercommunality=12", headers=bearer(api_token()))
    assert response.status_code == 422
    payload = response.get_json()
    assert payload["message"] == "Les données envoyées ne sont pas valides."
    assert payload["errors"] == {"query": {"intercommunality": ["Un SIREN compte 9 chiffres."]}}


def test_intercommunalities(get: Callable[[str], Any]) -> None:
    epcis = get("/api/v1/intercommunalities")
    assert len(epcis) == 11
    millau = next(e for e in epcis if e["siren"] == MILLAU_GRANDS_CAUSSES)
    assert millau["member_insee_codes"] == [LE_ROZIER]
    assert millau["members_count"] == 1
    assert sum(1 for e in epcis if e["kind"] == "CC") >= 10
    lozere_own = [e for e in epcis if e["siren"] != MILLAU_GRANDS_CAUSSES]
    assert len(lozere_own) == 10
    assert sum(e["members_count"] for e in epcis) == 152
    assert all(e["members_count"] == len(e["member_insee_codes"]) for e in epcis)


def test_cantons(get: Callable[[str], Any]) -> None:
    cantons = get("/api/v1/cantons")
    assert [c["code"] for c in cantons] == [f"48{n:02d}" for n in range(1, 14)]
    with_mende = [c["code"] for c in cantons if MENDE in c["commune_codes"]]
    assert with_mende == ["4809", "4810"]
    covered = {code for c in cantons for code in c["commune_codes"]}
    assert len(covered) == 152


def test_sectors(get: Callable[[str], Any]) -> None:
    sectors = get("/api/v1/sectors")
    assert len(sectors) == 5
    assert MENDE in {s["town_insee_code"] for s in sectors}
    for sector in sectors:
        assert sector["town_insee_code"] in sector["commune_codes"]
        assert set(sector["extra_commune_codes"]) <= set(sector["commune_codes"])
        assert sector["intercommunality_sirens"]


def test_lists_do_not_query_per_row(client: FlaskClient, api_token: Callable[..., str]) -> None:
    headers = bearer(api_token(UserRole.LECTEUR))
    for url in ("/api/v1/communes", "/api/v1/intercommunalities", "/api/v1/cantons", "/api/v1/sectors"):
        with count_queries() as statements:
            assert client.get(url, headers=headers).status_code == 200
        # The token lookup plus one statement per loaded relation, whatever the number of rows.
        assert len(statements) <= 6, (url, statements)
