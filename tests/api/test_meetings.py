"""/api/v1/meetings: creation, bad input, list filters, partial update, invitee lists and manual changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from concertation.accounts.models import UserRole
from concertation.extensions import db
from concertation.meetings.models import InviteeOverride, Meeting, MeetingStatus
from concertation.people.models import Role
from tests.common import db as f
from tests.common.http import bearer

pytestmark = pytest.mark.usefixtures("lozere")

GEVAUDAN = "244800470"
COEUR_DE_LOZERE = "244800405"
MENDE = "48095"

CONCERTATION: dict[str, Any] = {
    "kind": "concertation",
    "scope": {"intercommunality": GEVAUDAN},
    "title": "Concertation sur le contrat du Gévaudan",
    "purpose": "diagnostic",
    "starts_at": "2027-03-09T14:00:00",
    "ends_at": "2027-03-09T17:00:00",
    "location": {"name": "Salle des fêtes", "address": "Place du Soubeyran", "commune": "48092"},
    "agenda": ["Accueil", "Diagnostic du territoire"],
}


@pytest.fixture()
def headers(api_token: Callable[..., str]) -> dict[str, str]:
    return bearer(api_token(UserRole.ORGANISATEUR))


def meeting_count() -> int:
    return db.session.scalar(select(func.count(Meeting.id))) or 0


def create(
    client: FlaskClient, headers: dict[str, str], body: dict[str, Any] | None = None, **changes: Any
) -> Any:
    response = client.post("/api/v1/meetings", json={**(body or CONCERTATION), **changes}, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def stored(meeting_id: int) -> Meeting:
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting_id)
    assert meeting is not None
    return meeting


# Creation --------------------------------------------------------------------------------------------


def test_create_a_concertation_on_the_cc_du_gevaudan(client: FlaskClient, headers: dict[str, str]) -> None:
    elus = f.gevaudan_elus()
    response = client.post("/api/v1/meetings", json=CONCERTATION, headers=headers)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created == {
        "id": created["id"],
        "kind": "concertation",
        "kind_label": "Concertation territoriale",
        "title": "Concertation sur le contrat du Gévaudan",
        "purpose": "diagnostic",
        "purpose_label": "Diagnostic du territoire",
        "status": "brouillon",
        "status_label": "Brouillon",
        "scope": {"intercommunality": GEVAUDAN},
        "scope_label": "CC du Gévaudan",
        "starts_at": "2027-03-09T13:00:00+00:00",
        "ends_at": "2027-03-09T16:00:00+00:00",
        "location": {"name": "Salle des fêtes", "address": "Place du Soubeyran", "commune": "48092"},
        "agenda": ["Accueil", "Diagnostic du territoire"],
        "sequence": 0,
        "invitee_count": len(elus),
        "invitees_frozen_at": None,
        "contract": None,  # the CC has no contract yet (tests/meetings/test_contract_link.py)
    }
    assert response.headers["Location"].endswith(f"/api/v1/meetings/{created['id']}")
    assert client.get(response.headers["Location"], headers=headers).get_json() == created
    meeting = stored(created["id"])
    assert meeting.organiser is not None and meeting.organiser.role == UserRole.ORGANISATEUR


def test_create_a_rendez_vous_on_the_mende_sector(client: FlaskClient, headers: dict[str, str]) -> None:
    body = {**CONCERTATION, "kind": "rendez_vous", "scope": {"sector": MENDE}, "title": "RdV de Mende"}
    del body["purpose"]
    created = create(client, headers, body)
    assert created["kind"] == "rendez_vous"
    assert created["kind_label"] == "Rendez-vous de Territoire"
    assert created["scope"] == {"sector": MENDE}
    assert created["scope_label"] == "Secteur de Mende"
    assert created["purpose"] == "2027"
    assert stored(created["id"]).sector is not None


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "utc_start", "utc_end"),
    [
        # Summer time starts on 28 March 2027 at 2:00: 10:00 in Mende is 08:00Z.
        ("2027-03-28T10:00:00", "2027-03-28T12:00:00", datetime(2027, 3, 28, 8), datetime(2027, 3, 28, 10)),
        # Winter time is back on 31 October 2027: 10:00 is 09:00Z.
        ("2027-10-31T10:00:00", "2027-10-31T12:00:00", datetime(2027, 10, 31, 9), datetime(2027, 10, 31, 11)),
        # With an offset or Z, the instant given.
        (
            "2027-03-28T10:00:00Z",
            "2027-03-28T12:00:00+00:00",
            datetime(2027, 3, 28, 10),
            datetime(2027, 3, 28, 12),
        ),
        (
            "2027-10-31T10:00:00+02:00",
            "2027-10-31T12:00:00+01:00",
            datetime(2027, 10, 31, 8),
            datetime(2027, 10, 31, 11),
        ),
    ],
)
def test_times_without_offset_are_paris_wall_clock(
    client: FlaskClient,
    headers: dict[str, str],
    starts_at: str,
    ends_at: str,
    utc_start: datetime,
    utc_end: datetime,
) -> None:
    created = create(client, headers, starts_at=starts_at, ends_at=ends_at)
    meeting = stored(created["id"])
    assert meeting.starts_at == utc_start.replace(tzinfo=UTC)
    assert meeting.ends_at == utc_end.replace(tzinfo=UTC)
    assert created["starts_at"] == utc_start.replace(tzinfo=UTC).isoformat()
    assert created["ends_at"] == utc_end.replace(tzinfo=UTC).isoformat()


MALFORMED = "Date et heure attendues (ISO 8601), par exemple 2027-03-28T10:00:00."


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"ends_at": "2027-03-09T13:00:00"},
            "ends_at",
            ["La fin doit être postérieure au début."],
        ),
        (
            {"scope": {"intercommunality": "200000000"}},
            "scope",
            ["Intercommunalité inconnue : SIREN « 200000000 »."],
        ),
        (
            {"kind": "rendez_vous", "scope": {"sector": "48001"}, "purpose": "2027"},
            "scope",
            ["Secteur inconnu : aucune ville principale de code INSEE « 48001 »."],
        ),
        (
            {"scope": {"intercommunality": "2448"}},
            "scope",
            {"intercommunality": ["Un SIREN compte 9 chiffres."]},
        ),
        (
            {"scope": {"sector": MENDE}},
            "scope",
            ["Une concertation territoriale porte sur une communauté de communes."],
        ),
        (
            {"starts_at": "2020-03-09T14:00:00", "ends_at": "2020-03-09T17:00:00"},
            "starts_at",
            ["La date de début est déjà passée : une nouvelle réunion se tient dans le futur."],
        ),
        ({"title": "   "}, "title", ["Le titre est obligatoire."]),
        ({"title": None}, "title", ["Ce champ ne peut pas être vide (null)."]),
        (
            {"kind": "reunion"},
            "kind",
            ["Type de réunion inconnu : choisissez rendez_vous, concertation, autre."],
        ),
        (
            {"purpose": "budget"},
            "purpose",
            ["Objet de la concertation obligatoire, parmi : diagnostic, propositions, negociation, avenant."],
        ),
        ({"starts_at": "09/03/2027 14h"}, "starts_at", [MALFORMED]),
        ({"starts_at": "2027-02-30T14:00:00"}, "starts_at", [MALFORMED]),
        ({"ends_at": "2027-03-09"}, "ends_at", [MALFORMED]),
        (
            {"location": {"name": "Mairie", "commune": "48999"}},
            "location",
            {"commune": ["Commune du lieu inconnue : « 48999 »."]},
        ),
        (
            {"agenda": ["Accueil", " "]},
            "agenda",
            {"1": ["Le point n° 2 de l'ordre du jour est vide."]},
        ),
        ({"colour": "bleu"}, "colour", ["Champ inconnu."]),
    ],
)
def test_bad_input_is_422_in_french_and_writes_nothing(
    client: FlaskClient, headers: dict[str, str], changes: dict[str, Any], field: str, message: Any
) -> None:
    response = client.post("/api/v1/meetings", json={**CONCERTATION, **changes}, headers=headers)
    assert response.status_code == 422, response.get_json()
    payload = response.get_json()
    assert payload["message"] == "Les données envoyées ne sont pas valides."
    assert payload["errors"]["json"][field] == message
    assert meeting_count() == 0


def test_missing_fields_are_named(client: FlaskClient, headers: dict[str, str]) -> None:
    response = client.post("/api/v1/meetings", json={"kind": "autre"}, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"] == {
        "title": ["Le titre est obligatoire."],
        "starts_at": ["La date et l'heure de début sont obligatoires."],
        "ends_at": ["La date et l'heure de fin sont obligatoires."],
    }
    assert meeting_count() == 0


def test_several_domain_errors_at_once(client: FlaskClient, headers: dict[str, str]) -> None:
    body = {"scope": {"intercommunality": "200000000"}, "title": "", "ends_at": "2027-03-09T10:00:00"}
    errors = client.post("/api/v1/meetings", json={**CONCERTATION, **body}, headers=headers).get_json()
    assert set(errors["errors"]["json"]) == {"scope", "title", "ends_at"}
    assert meeting_count() == 0


# List and detail -------------------------------------------------------------------------------------


@pytest.fixture()
def calendar_of_meetings() -> dict[str, int]:
    """Five meetings over two years, on two CCs and one sector, one of them cancelled."""
    now = f.paris(2026, 11, 1)
    created = {
        "gevaudan_2027": f.meeting(siren=GEVAUDAN, starts_at=f.paris(2027, 3, 9), now=now),
        "rdv_mende": f.meeting(
            "rendez_vous", town=MENDE, starts_at=f.paris(2027, 5, 20), title="RdV", now=now
        ),
        "coeur_2027": f.meeting(siren=COEUR_DE_LOZERE, starts_at=f.paris(2027, 2, 1), now=now),
        "gevaudan_2028": f.meeting(
            siren=GEVAUDAN, starts_at=f.paris(2028, 1, 10), purpose="propositions", now=now
        ),
        "cancelled": f.meeting(siren=GEVAUDAN, starts_at=f.paris(2027, 6, 1), now=now),
    }
    created["cancelled"].status = MeetingStatus.ANNULEE
    db.session.commit()
    return {name: meeting.id for name, meeting in created.items()}


def listed(client: FlaskClient, headers: dict[str, str], query: str = "") -> list[int]:
    response = client.get(f"/api/v1/meetings{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return [m["id"] for m in response.get_json()]


def test_list_is_ordered_by_start(
    client: FlaskClient, headers: dict[str, str], calendar_of_meetings: dict[str, int]
) -> None:
    ids = calendar_of_meetings
    expected = [ids[n] for n in ("coeur_2027", "gevaudan_2027", "rdv_mende", "cancelled", "gevaudan_2028")]
    assert listed(client, headers) == expected
    response = client.get("/api/v1/meetings?page_size=2&page=2", headers=headers)
    assert [m["id"] for m in response.get_json()] == expected[2:4]
    assert '"total": 5' in response.headers["X-Pagination"]


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("?kind=rendez_vous", ["rdv_mende"]),
        ("?status=annulee", ["cancelled"]),
        ("?status=brouillon&kind=concertation", ["coeur_2027", "gevaudan_2027", "gevaudan_2028"]),
        ("?year=2028", ["gevaudan_2028"]),
        ("?intercommunality=244800470", ["gevaudan_2027", "cancelled", "gevaudan_2028"]),
        # The Mende sector: its Rendez-vous and the meetings on its CCs.
        ("?sector=48095", ["coeur_2027", "rdv_mende"]),
        ("?from=2027-03-09&to=2027-06-01", ["gevaudan_2027", "rdv_mende", "cancelled"]),
        ("?from=2027-03-10", ["rdv_mende", "cancelled", "gevaudan_2028"]),
        ("?to=2027-03-08", ["coeur_2027"]),
        ("?year=2027&intercommunality=244800470&status=brouillon", ["gevaudan_2027"]),
    ],
)
def test_list_filters(
    client: FlaskClient,
    headers: dict[str, str],
    calendar_of_meetings: dict[str, int],
    query: str,
    names: list[str],
) -> None:
    assert listed(client, headers, query) == [calendar_of_meetings[name] for name in names]


def test_bad_filters_are_422_in_french(client: FlaskClient, headers: dict[str, str]) -> None:
    response = client.get("/api/v1/meetings?kind=fete&year=abc&from=2027-02-30&sector=1", headers=headers)
    assert response.status_code == 422
    assert response.get_json()["errors"]["query"] == {
        "kind": ["Valeur attendue parmi : rendez_vous, concertation, autre."],
        "year": ["Nombre entier attendu."],
        "from": ["Date attendue (AAAA-MM-JJ)."],
        "sector": ["Un code INSEE de commune compte 5 caractères."],
    }
    response = client.get("/api/v1/meetings?from=2027-03-01&to=2027-02-01", headers=headers)
    assert response.get_json()["errors"]["query"] == {"to": ["La date « to » précède la date « from »."]}


def test_unknown_meeting_is_404_in_french(client: FlaskClient, headers: dict[str, str]) -> None:
    for method, url in [
        ("get", "/api/v1/meetings/999"),
        ("patch", "/api/v1/meetings/999"),
        ("get", "/api/v1/meetings/999/invitees"),
    ]:
        response = getattr(client, method)(url, json={} if method == "patch" else None, headers=headers)
        assert response.status_code == 404, url
        assert response.get_json()["message"] == "Aucune réunion n'a l'identifiant 999."


# Partial update --------------------------------------------------------------------------------------


def test_patch_keeps_missing_fields(client: FlaskClient, headers: dict[str, str]) -> None:
    created = create(client, headers)
    url = f"/api/v1/meetings/{created['id']}"
    response = client.patch(
        url, json={"title": "Nouveau titre", "location": {"name": "Mairie"}}, headers=headers
    )
    assert response.status_code == 200, response.get_json()
    updated = response.get_json()
    assert updated == {
        **created,
        "title": "Nouveau titre",
        "location": {**created["location"], "name": "Mairie"},
    }
    response = client.patch(
        url, json={"starts_at": "2027-03-28T10:00:00", "ends_at": "2027-03-28T12:00:00"}, headers=headers
    )
    assert response.get_json()["starts_at"] == "2027-03-28T08:00:00+00:00"
    assert response.get_json()["title"] == "Nouveau titre"
    assert stored(created["id"]).starts_at == datetime(2027, 3, 28, 8, tzinfo=UTC)
    response = client.patch(url, json={"agenda": ["Un seul point"], "purpose": "avenant"}, headers=headers)
    assert response.get_json()["agenda"] == ["Un seul point"]
    assert response.get_json()["purpose"] == "avenant"
    assert client.patch(url, json={}, headers=headers).get_json() == response.get_json()


def test_patch_bad_input_is_422_and_changes_nothing(client: FlaskClient, headers: dict[str, str]) -> None:
    created = create(client, headers)
    url = f"/api/v1/meetings/{created['id']}"
    response = client.patch(url, json={"title": "Autre", "ends_at": "2027-03-09T12:00:00"}, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"] == {"ends_at": ["La fin doit être postérieure au début."]}
    response = client.patch(url, json={"starts_at": "2027-03-09"}, headers=headers)
    assert response.get_json()["errors"]["json"] == {"starts_at": [MALFORMED]}
    response = client.patch(url, json={"notify": "peut-être"}, headers=headers)
    assert response.get_json()["errors"]["json"] == {"notify": ["Booléen attendu (true ou false)."]}
    assert client.get(url, headers=headers).get_json() == created


def test_patch_of_a_cancelled_meeting_is_409(client: FlaskClient, headers: dict[str, str]) -> None:
    created = create(client, headers)
    stored(created["id"]).status = MeetingStatus.ANNULEE
    db.session.commit()
    response = client.patch(f"/api/v1/meetings/{created['id']}", json={"title": "X"}, headers=headers)
    assert response.status_code == 409
    assert (
        response.get_json()["message"] == "Cette réunion est « Annulée » : elle ne peut plus être modifiée."
    )


# Invitee list ----------------------------------------------------------------------------------------


def invitees(client: FlaskClient, headers: dict[str, str], meeting_id: int) -> dict[str, dict[str, Any]]:
    response = client.get(f"/api/v1/meetings/{meeting_id}/invitees", headers=headers)
    assert response.status_code == 200, response.get_json()
    return {line["name"].split()[-1]: line for line in response.get_json()}


def test_invitees_with_every_quality(client: FlaskClient, headers: dict[str, str]) -> None:
    elus = f.gevaudan_elus()
    marvejols = next(p for p in elus if p.last_name == "Maire48092")
    sivom = f.syndicate("SIVOM du Gévaudan", communes=["48092"])
    f.mandate(marvejols, Role.PRESIDENT_SYNDICAT, sivom)
    db.session.commit()
    created = create(client, headers)
    lines = invitees(client, headers, created["id"])
    assert len(lines) == len(elus)
    assert lines["Maire48092"] == {
        "person_id": marvejols.id,
        "name": "Camille Maire48092",
        "email": marvejols.email,
        "qualities": [
            "Maire de Marvejols",
            "Président de la CC du Gévaudan",
            "Président du SIVOM du Gévaudan",
        ],
        "source": "rule",
        "reason": "",
    }
    without_email = [line for line in lines.values() if line["email"] is None]
    assert len(without_email) == 1
    assert {line["source"] for line in lines.values()} == {"rule"}


def test_manual_additions_and_removals_survive(client: FlaskClient, headers: dict[str, str]) -> None:
    elus = f.gevaudan_elus()
    guest = f.person("Sous-préfète", "Anne", civility="Mme")
    removed_by_body, removed_by_query = elus[1], elus[2]
    db.session.commit()
    created = create(client, headers)
    url = f"/api/v1/meetings/{created['id']}/invitees"

    response = client.post(url, json={"person_id": guest.id, "reason": "Représente l'État"}, headers=headers)
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {
        "person_id": guest.id,
        "name": "Anne Sous-préfète",
        "email": guest.email,
        "qualities": ["Invité(e)"],
        "source": "manual",
        "reason": "Représente l'État",
    }
    response = client.delete(
        url, json={"person_id": removed_by_body.id, "reason": "Démission annoncée"}, headers=headers
    )
    assert response.status_code == 204, response.get_json()
    assert response.get_data() == b""
    response = client.delete(
        url, query_string={"person_id": removed_by_query.id, "reason": "Excusé"}, headers=headers
    )
    assert response.status_code == 204, response.get_json()

    # A new mandate changes the computation; the manual changes stay.
    newcomer = f.person("Nouveau")
    f.mandate(newcomer, Role.PRESIDENT_SYNDICAT, f.syndicate("SIVU", communes=["48092"]))
    db.session.commit()
    names = invitees(client, headers, created["id"])
    assert "Sous-préfète" in names and names["Sous-préfète"]["source"] == "manual"
    assert "Nouveau" in names
    assert removed_by_body.last_name not in names and removed_by_query.last_name not in names
    assert len(names) == len(elus) - 2 + 2
    reasons = {o.person_id: o.reason for o in db.session.scalars(select(InviteeOverride))}
    assert reasons == {
        guest.id: "Représente l'État",
        removed_by_body.id: "Démission annoncée",
        removed_by_query.id: "Excusé",
    }
    assert client.get(f"/api/v1/meetings/{created['id']}", headers=headers).get_json()[
        "invitee_count"
    ] == len(names)

    # Removing a manual addition only lifts it.
    response = client.delete(url, json={"person_id": guest.id, "reason": "Finalement non"}, headers=headers)
    assert response.status_code == 204
    assert "Sous-préfète" not in invitees(client, headers, created["id"])


def test_invitee_changes_refused_in_french(client: FlaskClient, headers: dict[str, str]) -> None:
    elus = f.gevaudan_elus()
    outsider = f.person("Externe")
    db.session.commit()
    created = create(client, headers)
    url = f"/api/v1/meetings/{created['id']}/invitees"

    def refused(method: str, body: Any, **kwargs: Any) -> Any:
        response = getattr(client, method)(url, json=body, headers=headers, **kwargs)
        assert response.status_code == 422, response.get_json()
        return response.get_json()

    assert refused("post", {"person_id": elus[0].id, "reason": "Oui"})["message"] == (
        f"{elus[0].full_name} est déjà invité(e) par les règles de composition."
    )
    assert refused("post", {"person_id": outsider.id, "reason": " "})["message"] == (
        "Indiquez la raison de l'ajout."
    )
    assert refused("post", {"person_id": outsider.id})["errors"]["json"] == {
        "reason": ["Indiquez la raison du changement."]
    }
    assert refused("post", {"person_id": 99999, "reason": "x"})["errors"]["json"] == {
        "person_id": ["Aucune personne n'a l'identifiant 99999."]
    }
    assert refused("post", {"person_id": "12", "reason": "x"})["errors"]["json"] == {
        "person_id": ["Nombre entier attendu."]
    }
    assert refused("delete", {"person_id": outsider.id, "reason": "x"})["message"] == (
        f"{outsider.full_name} ne figure pas dans la liste des invités."
    )
    assert refused("delete", None)["errors"]["json"] == {
        "person_id": ["Indiquez la personne (person_id)."],
        "reason": ["Indiquez la raison du changement."],
    }
    assert refused("delete", {"person_id": elus[0].id, "reason": ""})["message"] == (
        "Indiquez la raison du retrait."
    )
    assert db.session.scalar(select(func.count(InviteeOverride.id))) == 0


def test_lists_of_a_cancelled_meeting_cannot_change(client: FlaskClient, headers: dict[str, str]) -> None:
    guest = f.person("Invitée")
    db.session.commit()
    created = create(client, headers)
    stored(created["id"]).status = MeetingStatus.ANNULEE
    db.session.commit()
    response = client.post(
        f"/api/v1/meetings/{created['id']}/invitees",
        json={"person_id": guest.id, "reason": "x"},
        headers=headers,
    )
    assert response.status_code == 422
    assert (
        response.get_json()["message"] == "Cette réunion est « Annulée » : elle ne peut plus être modifiée."
    )


# Roles -----------------------------------------------------------------------------------------------


def test_lecteur_reads_but_cannot_write(client: FlaskClient, api_token: Callable[..., str]) -> None:
    organiser = bearer(api_token(UserRole.ORGANISATEUR))
    reader = bearer(api_token(UserRole.LECTEUR))
    created = create(client, organiser)
    person = f.person("Quelconque")
    db.session.commit()
    base = f"/api/v1/meetings/{created['id']}"
    assert client.get("/api/v1/meetings", headers=reader).status_code == 200
    assert client.get(base, headers=reader).get_json() == created
    assert client.get(f"{base}/invitees", headers=reader).status_code == 200
    writes: list[tuple[str, str, Any]] = [
        ("post", "/api/v1/meetings", CONCERTATION),
        ("patch", base, {"title": "Lu seulement"}),
        ("post", f"{base}/invitees", {"person_id": person.id, "reason": "x"}),
        ("delete", f"{base}/invitees", {"person_id": person.id, "reason": "x"}),
    ]
    for method, url, body in writes:
        response = getattr(client, method)(url, json=body, headers=reader)
        assert response.status_code == 403, (method, url)
        assert "organisateur" in response.get_json()["message"].lower()
        assert getattr(client, method)(url, json=body).status_code == 401, (method, url)
    assert meeting_count() == 1
    assert client.get(base, headers=reader).get_json() == created


def test_endpoints_are_documented(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert set(paths["/api/v1/meetings"]) >= {"get", "post"}
    assert set(paths["/api/v1/meetings/{meeting_id}"]) >= {"get", "patch"}
    assert set(paths["/api/v1/meetings/{meeting_id}/invitees"]) >= {"get", "post", "delete"}


def test_the_meeting_date_decides_which_mandates_count(client: FlaskClient, headers: dict[str, str]) -> None:
    """A mandate ending before the meeting does not count, whatever today's date."""
    f.gevaudan_elus()
    leaving = f.person("Sortant")
    f.mandate(
        leaving, Role.PRESIDENT_SYNDICAT, f.syndicate("SIAEP", communes=["48092"]), ends_on=date(2027, 3, 8)
    )
    db.session.commit()
    created = create(client, headers)
    assert "Sortant" not in invitees(client, headers, created["id"])
