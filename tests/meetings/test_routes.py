"""Meeting pages: calendar, form, meeting page with its invitee list, CSV export, history."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from concertation.accounts.models import User, UserRole
from concertation.core.dates import format_meeting_time
from concertation.core.timeutils import today_paris
from concertation.extensions import db
from concertation.meetings.composition import compute_invitees
from concertation.meetings.invitees import freeze_invitees
from concertation.meetings.models import Meeting, MeetingStatus
from concertation.people.models import Person, Role
from tests.common import db as f
from tests.common.http import csrf_token

GEVAUDAN = "244800470"
Login = Callable[..., User]


def _form(**overrides: str) -> dict[str, str]:
    data = {
        "kind": "concertation",
        "sector": "",
        "intercommunality": GEVAUDAN,
        "title": "Concertation du Gévaudan – diagnostic",
        "purpose": "diagnostic",
        "year": "",
        "other_purpose": "",
        "day": "2027-03-09",
        "start_time": "14:00",
        "end_time": "17:00",
        "location_name": "Salle des fêtes",
        "location_address": "Place de la Mairie",
        "location_commune": "48092",
        "agenda": "Accueil\r\nDiagnostic du territoire\r\n\r\n",
    }
    data.update(overrides)
    return data


def _post_new(client: FlaskClient, **overrides: str) -> tuple[int, str]:
    data = _form(**overrides)
    data["csrf_token"] = csrf_token(client, "/reunions/nouvelle")
    response = client.post("/reunions/nouvelle", data=data)
    return response.status_code, response.get_data(as_text=True)


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Meeting)) or 0


@pytest.fixture()
def gevaudan(lozere: None) -> dict[str, Person]:
    """Maires of the CC du Gévaudan but Gabrias, its président (also maire of Marvejols), two councillors."""
    persons: dict[str, Person] = {}
    for commune in f.epci(GEVAUDAN).communes_on(date(2027, 3, 9)):
        if commune.insee_code == "48068":
            continue  # Gabrias has no maire recorded
        email = None if commune.insee_code == "48103" else ""
        persons[commune.insee_code] = f.person(f"Maire{commune.insee_code}", email=email)
        f.mandate(persons[commune.insee_code], Role.MAIRE, commune)
    marvejols = persons["48092"]
    f.mandate(marvejols, Role.PRESIDENT_EPCI, f.epci(GEVAUDAN))
    f.mandate(
        marvejols, Role.PRESIDENT_SYNDICAT, f.syndicate("Syndicat AEP de la Colagne", communes=["48092"])
    )
    persons["cd"] = f.person("Conseillère", civility="Mme")
    f.mandate(persons["cd"], Role.CONSEILLER_DEPARTEMENTAL, f.canton("4808"))
    persons["guest"] = f.person("Ingénierie", "Lozère")
    db.session.commit()
    return persons


# --- Creation ---------------------------------------------------------------------------------------


def test_create_concertation_through_the_form(client: FlaskClient, login: Login, lozere: None) -> None:
    user = login(UserRole.ORGANISATEUR)
    data = _form()
    data["csrf_token"] = csrf_token(client, "/reunions/nouvelle")
    response = client.post("/reunions/nouvelle", data=data)
    assert response.status_code == 303
    meeting = db.session.scalars(select(Meeting)).one()
    assert response.headers["Location"].endswith(f"/reunions/{meeting.id}")
    assert meeting.starts_at == datetime(2027, 3, 9, 13, 0, tzinfo=UTC)
    assert meeting.ends_at == datetime(2027, 3, 9, 16, 0, tzinfo=UTC)
    assert meeting.intercommunality is not None and meeting.intercommunality.siren == GEVAUDAN
    assert meeting.purpose == "diagnostic"
    assert meeting.status == MeetingStatus.BROUILLON
    assert meeting.organiser_id == user.id
    assert meeting.location_commune is not None and meeting.location_commune.name == "Marvejols"
    assert [item.title for item in meeting.agenda_items] == ["Accueil", "Diagnostic du territoire"]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2027-03-28", datetime(2027, 3, 28, 8, 0, tzinfo=UTC)),  # summer time starts that night
        ("2027-10-31", datetime(2027, 10, 31, 9, 0, tzinfo=UTC)),  # summer time ends that night
    ],
)
def test_paris_times_on_dst_days(
    client: FlaskClient, login: Login, lozere: None, day: str, expected: datetime
) -> None:
    login(UserRole.ORGANISATEUR)
    status, _ = _post_new(client, day=day, start_time="10:00", end_time="12:00")
    assert status == 303
    meeting = db.session.scalars(select(Meeting)).one()
    assert meeting.starts_at == expected
    assert meeting.ends_at == expected + timedelta(hours=2)


def test_create_rendez_vous_with_its_year(client: FlaskClient, login: Login, lozere: None) -> None:
    login(UserRole.ORGANISATEUR)
    status, page = _post_new(
        client,
        kind="rendez_vous",
        sector="48095",
        intercommunality=GEVAUDAN,  # left over in the hidden CC select: ignored for a Rendez-vous
        title="Rendez-vous de Territoire de Mende 2027",
        purpose="",
        year="2027",
        day="2027-05-04",
    )
    assert status == 303, page
    meeting = db.session.scalars(select(Meeting)).one()
    assert meeting.sector is not None and meeting.sector.name == "Mende"
    assert meeting.intercommunality is None
    assert meeting.purpose == "2027"


def test_create_other_meeting_without_scope(client: FlaskClient, login: Login, lozere: None) -> None:
    login(UserRole.ORGANISATEUR)
    status, page = _post_new(
        client,
        kind="autre",
        intercommunality="",
        purpose="diagnostic",  # the concertation select, ignored for another meeting
        other_purpose="Réunion des partenaires",
        title="Comité des partenaires",
    )
    assert status == 303, page
    meeting = db.session.scalars(select(Meeting)).one()
    assert meeting.scope_label == "Périmètre libre"
    assert meeting.purpose == "Réunion des partenaires"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end_time": "13:00"}, "La fin doit être postérieure au début."),
        ({"title": "   "}, "Le titre est obligatoire."),
        ({"day": "2026-01-10"}, "La date de début est déjà passée"),
        ({"intercommunality": "999999999"}, "Intercommunalité inconnue : SIREN « 999999999 »."),
        ({"kind": "rendez_vous", "sector": "48001"}, "Secteur inconnu"),
        ({"purpose": ""}, "Objet de la concertation obligatoire"),
        ({"day": "09/03/2027"}, "Date invalide"),
        ({"day": ""}, "La date et l&#39;heure de début sont obligatoires."),
    ],
)
def test_bad_input_is_refused_in_french(
    client: FlaskClient, login: Login, lozere: None, overrides: dict[str, str], message: str
) -> None:
    login(UserRole.ORGANISATEUR)
    status, page = _post_new(client, **overrides)
    assert status == 422
    assert message in page
    assert 'class="invalid-feedback d-block"' in page
    assert "La réunion n'a pas été enregistrée" in page
    assert _count() == 0


def test_every_error_is_shown_at_once(client: FlaskClient, login: Login, lozere: None) -> None:
    login(UserRole.ORGANISATEUR)
    status, page = _post_new(client, title="", end_time="13:00", intercommunality="123456789")
    assert status == 422
    for message in ("Le titre est obligatoire.", "La fin doit être", "Intercommunalité inconnue"):
        assert message in page
    # the typed values are kept
    assert 'value="2027-03-09"' in page
    assert "Diagnostic du territoire" in page


def test_reader_cannot_create(client: FlaskClient, login: Login, lozere: None) -> None:
    login(UserRole.LECTEUR)
    assert client.get("/reunions/nouvelle").status_code == 403
    token = csrf_token(client, "/reunions/")  # the logout form's token
    response = client.post("/reunions/nouvelle", data={**_form(), "csrf_token": token})
    assert response.status_code == 403
    assert _count() == 0


def test_anonymous_is_sent_to_the_login_page(client: FlaskClient) -> None:
    response = client.get("/reunions/")
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]


def test_new_rendez_vous_is_prefilled(client: FlaskClient, login: Login, lozere: None) -> None:
    login(UserRole.ORGANISATEUR)
    year = today_paris().year
    page = client.get("/reunions/nouvelle?kind=rendez_vous&town=48095").get_data(as_text=True)
    assert f'value="Rendez-vous de Territoire de Mende {year}"' in page
    assert re.search(rf'<input[^>]*id="year"[^>]*value="{year}"', page)
    assert re.search(r'<option selected value="48095">Mende</option>', page)
    assert re.search(r'<option selected value="rendez_vous">', page)
    assert 'type="date"' in page and 'type="time"' in page
    # once this year's Rendez-vous exists, the next year is proposed
    f.meeting(
        "rendez_vous", town="48095", starts_at=f.paris(year, 12, 28), title="RDV", now=f.paris(year, 1, 1)
    )
    db.session.commit()
    page = client.get("/reunions/nouvelle?kind=rendez_vous&town=48095").get_data(as_text=True)
    assert f'value="Rendez-vous de Territoire de Mende {year + 1}"' in page


# --- Edition ----------------------------------------------------------------------------------------


def test_edit_shows_paris_times_and_saves(client: FlaskClient, login: Login, lozere: None) -> None:
    login(UserRole.ORGANISATEUR)
    meeting = f.meeting("concertation", siren=GEVAUDAN, starts_at=f.paris(2027, 3, 28, 10))
    db.session.commit()
    url = f"/reunions/{meeting.id}/modifier"
    page = client.get(url).get_data(as_text=True)
    assert 'value="10:00"' in page and 'value="13:00"' in page and 'value="2027-03-28"' in page
    data = _form(title="Concertation reportée", day="2027-04-06", start_time="09:30", end_time="12:00")
    data["csrf_token"] = csrf_token(client, url)
    response = client.post(url, data=data)
    assert response.status_code == 303
    db.session.refresh(meeting)
    assert meeting.title == "Concertation reportée"
    assert meeting.starts_at == datetime(2027, 4, 6, 7, 30, tzinfo=UTC)


def test_edit_refused_once_held(client: FlaskClient, login: Login, lozere: None) -> None:
    login(UserRole.ORGANISATEUR)
    meeting = f.meeting("concertation", siren=GEVAUDAN)
    meeting.status = MeetingStatus.TENUE
    db.session.commit()
    response = client.get(f"/reunions/{meeting.id}/modifier", follow_redirects=True)
    assert "elle ne peut plus être modifiée" in response.get_data(as_text=True)


# --- Meeting page -----------------------------------------------------------------------------------


def test_meeting_page_lists_invitees_with_all_qualities_and_warnings(
    client: FlaskClient, login: Login, gevaudan: dict[str, Person]
) -> None:
    login(UserRole.LECTEUR)
    meeting = f.meeting("concertation", siren=GEVAUDAN, starts_at=f.paris(2027, 5, 8, 10))
    db.session.commit()
    page = client.get(f"/reunions/{meeting.id}").get_data(as_text=True)
    assert "samedi 8 mai 2027 de 10 h 00 à 13 h 00" in page
    assert "Diagnostic du territoire" in page  # agenda and purpose
    marvejols_row = page[page.index(gevaudan["48092"].display_name) :]
    marvejols_row = marvejols_row[: marvejols_row.index("</tr>")]
    for quality in ("Maire de Marvejols", "Président de la CC du Gévaudan", "Président du Syndicat AEP"):
        assert quality in marvejols_row
    assert "Conseillère départementale (canton de Marvejols)" in page
    assert "courrier papier" in page  # the maire of Montrodat has no email
    assert "Règle de composition" in page
    assert f"Invités ({len(compute_invitees(meeting))})" in page
    assert "Aucun maire enregistré pour la commune de Gabrias." in page
    assert "jour férié" in page and "samedi" in page
    assert "Maire48103" in page and "invitation papier à prévoir" in page
    # a reader sees no editing forms
    assert "Retirer de la liste" not in page and "Modifier la réunion" not in page


def test_manual_add_and_remove_survive_recomputation(
    client: FlaskClient, login: Login, gevaudan: dict[str, Person]
) -> None:
    login(UserRole.ORGANISATEUR)
    meeting = f.meeting("concertation", siren=GEVAUDAN)
    db.session.commit()
    url = f"/reunions/{meeting.id}"
    guest, maire = gevaudan["guest"], gevaudan["48005"]

    search = client.get(url + "?q=ingén").get_data(as_text=True)
    assert f'value="{guest.id}"' in search
    token = csrf_token(client, url)
    response = client.post(
        url + "/invites/ajout", data={"csrf_token": token, "person_id": guest.id, "reason": "Partenaire"}
    )
    assert response.status_code == 303
    response = client.post(
        url + "/invites/retrait", data={"csrf_token": token, "person_id": maire.id, "reason": "Excusé"}
    )
    assert response.status_code == 303

    # recomputation, after a new mandate appears: the manual changes still hold
    newcomer = f.person("Nouveau")
    f.mandate(newcomer, Role.MAIRE, f.commune("48068"))
    db.session.commit()
    ids = {line.person.id for line in compute_invitees(meeting)}
    assert guest.id in ids and newcomer.id in ids and maire.id not in ids
    page = client.get(url).get_data(as_text=True)
    assert "Ajout manuel : Partenaire" in page
    assert "raison : Excusé" in page


def test_invitee_change_errors_are_flashed(
    client: FlaskClient, login: Login, gevaudan: dict[str, Person]
) -> None:
    login(UserRole.ORGANISATEUR)
    meeting = f.meeting("concertation", siren=GEVAUDAN)
    db.session.commit()
    url = f"/reunions/{meeting.id}"
    token = csrf_token(client, url)
    page = client.post(
        url + "/invites/ajout",
        data={"csrf_token": token, "person_id": gevaudan["48092"].id, "reason": "Oubli"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "est déjà invité(e) par les règles de composition" in page
    page = client.post(
        url + "/invites/retrait",
        data={"csrf_token": token, "person_id": gevaudan["48092"].id, "reason": ""},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Indiquez la raison du retrait." in page
    assert not meeting.overrides


def test_frozen_list_shows_the_diff_and_applies_it(
    client: FlaskClient, login: Login, gevaudan: dict[str, Person]
) -> None:
    login(UserRole.ORGANISATEUR)
    meeting = f.meeting("concertation", siren=GEVAUDAN)
    freeze_invitees(meeting)
    newcomer = f.person("Nouveau")
    f.mandate(newcomer, Role.MAIRE, f.commune("48068"))
    db.session.commit()
    url = f"/reunions/{meeting.id}"
    page = client.get(url).get_data(as_text=True)
    assert "La liste envoyée n'est plus à jour" in page
    assert "Seraient ajoutés" in page and "Maire de Gabrias" in page
    assert newcomer.display_name not in page[page.index('id="invites"') :]
    response = client.post(url + "/invites/mise-a-jour", data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 303
    page = client.get(url).get_data(as_text=True)
    assert "La liste envoyée" not in page
    assert newcomer.display_name in page[page.index('id="invites"') :]


def test_invitees_csv(client: FlaskClient, login: Login, gevaudan: dict[str, Person]) -> None:
    login(UserRole.LECTEUR)
    meeting = f.meeting("concertation", siren=GEVAUDAN)
    db.session.commit()
    response = client.get(f"/reunions/{meeting.id}/invites.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Civilité", "Prénom", "Nom", "Qualités"]
    assert len(rows) == 1 + len(compute_invitees(meeting))
    marvejols = next(r for r in rows if r[2] == "Maire48092")
    assert marvejols[3].count(" ; ") == 2
    assert next(r for r in rows if r[2] == "Maire48103")[5] == "courrier papier"


def test_unknown_meeting_is_404(client: FlaskClient, login: Login) -> None:
    login(UserRole.LECTEUR)
    assert client.get("/reunions/999").status_code == 404


# --- Calendar and history ---------------------------------------------------------------------------


def test_month_view_shows_a_meeting_on_its_paris_day(client: FlaskClient, login: Login, lozere: None) -> None:
    login(UserRole.LECTEUR)
    # 00:30 in Paris on 9 March is still 8 March in UTC
    f.meeting("concertation", siren=GEVAUDAN, starts_at=f.paris(2027, 3, 9, 0, 30), title="Réunion matinale")
    db.session.commit()
    page = client.get("/reunions/?vue=mois&mois=2027-03").get_data(as_text=True)
    assert "Mars 2027" in page
    assert "lundi" in page and "dimanche" in page
    cells = page.split("<td")
    day_9 = next(c for c in cells if "mardi 9 mars 2027" in c)
    assert "Réunion matinale" in day_9
    assert not any("Réunion matinale" in c for c in cells if "lundi 8 mars 2027" in c)
    assert "mois=2027-02" in page and "mois=2027-04" in page
    # the first column is Monday: March 2027 starts on a Monday
    first_cell = next(c for c in cells[1:] if "mars 2027" in c or "février 2027" in c)
    assert "lundi 1er mars 2027" in first_cell
    other = client.get("/reunions/?vue=mois&mois=2027-04").get_data(as_text=True)
    assert "Réunion matinale" not in other


def test_list_filters(client: FlaskClient, login: Login, lozere: None) -> None:
    login(UserRole.LECTEUR)
    f.meeting("concertation", siren=GEVAUDAN, starts_at=f.paris(2027, 3, 9), title="Gévaudan 2027")
    f.meeting("concertation", siren="200006930", starts_at=f.paris(2027, 3, 10), title="Haut Allier 2027")
    f.meeting("rendez_vous", town="48092", starts_at=f.paris(2028, 5, 4), title="RDV Marvejols 2028")
    db.session.commit()

    def titles(query: str) -> set[str]:
        page = client.get("/reunions/" + query).get_data(as_text=True)
        return {t for t in ("Gévaudan 2027", "Haut Allier 2027", "RDV Marvejols 2028") if t in page}

    assert titles("") == {"Gévaudan 2027", "Haut Allier 2027", "RDV Marvejols 2028"}
    assert titles("?type=rendez_vous") == {"RDV Marvejols 2028"}
    assert titles(f"?cc={GEVAUDAN}") == {"Gévaudan 2027"}
    assert titles("?ville=48092") == {"Gévaudan 2027", "RDV Marvejols 2028"}
    assert titles("?annee=2028") == {"RDV Marvejols 2028"}
    assert titles("?statut=tenue") == set()
    assert titles("?type=inconnu&annee=abc") == {"Gévaudan 2027", "Haut Allier 2027", "RDV Marvejols 2028"}
    assert f"/reunions/historique/cc/{GEVAUDAN}" in client.get(f"/reunions/?cc={GEVAUDAN}").get_data(
        as_text=True
    )


def test_history_pages(client: FlaskClient, login: Login, lozere: None) -> None:
    login(UserRole.LECTEUR)
    old = f.meeting("concertation", siren=GEVAUDAN, starts_at=f.paris(2027, 3, 9), title="Diagnostic")
    f.meeting(
        "concertation",
        siren=GEVAUDAN,
        starts_at=f.paris(2027, 6, 9),
        title="Négociation",
        purpose="negociation",
    )
    old.status = MeetingStatus.TENUE
    f.meeting("rendez_vous", town="48092", starts_at=f.paris(2027, 5, 4), title="RDV Marvejols")
    db.session.commit()
    page = client.get(f"/reunions/historique/cc/{GEVAUDAN}").get_data(as_text=True)
    assert "CC du Gévaudan" in page
    assert page.index("Négociation") < page.index("Diagnostic")  # newest first
    assert "Tenue" in page and "Brouillon" in page
    assert "RDV Marvejols" not in page
    page = client.get("/reunions/historique/ville/48092").get_data(as_text=True)
    assert "Secteur de Marvejols" in page and "RDV Marvejols" in page and "Négociation" not in page
    assert f"/reunions/historique/cc/{GEVAUDAN}" in page
    assert client.get("/reunions/historique/cc/000000000").status_code == 404
    assert client.get("/reunions/historique/ville/48001").status_code == 404
    detail = client.get(f"/reunions/{old.id}").get_data(as_text=True)
    assert f"/reunions/historique/cc/{GEVAUDAN}" in detail


# --- French time helper -----------------------------------------------------------------------------


def test_format_meeting_time() -> None:
    assert (
        format_meeting_time(datetime(2027, 3, 9, 13, 0, tzinfo=UTC), datetime(2027, 3, 9, 16, 0, tzinfo=UTC))
        == "mardi 9 mars 2027 de 14 h 00 à 17 h 00"
    )
    assert (
        format_meeting_time(f.paris(2027, 7, 14, 9, 5), f.paris(2027, 7, 14, 12, 30))
        == "mercredi 14 juillet 2027 de 9 h 05 à 12 h 30"
    )


def test_format_meeting_time_on_dst_days() -> None:
    # 28 March 2027: 02:00 becomes 03:00 in Paris; 00:30Z is 01:30 (UTC+1), 01:30Z is 03:30 (UTC+2)
    assert (
        format_meeting_time(
            datetime(2027, 3, 28, 0, 30, tzinfo=UTC), datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
        )
        == "dimanche 28 mars 2027 de 1 h 30 à 3 h 30"
    )
    assert (
        format_meeting_time(
            datetime(2027, 10, 31, 9, 0, tzinfo=UTC), datetime(2027, 10, 31, 11, 0, tzinfo=UTC)
        )
        == "dimanche 31 octobre 2027 de 10 h 00 à 12 h 00"
    )


def test_format_meeting_time_over_two_days() -> None:
    assert (
        format_meeting_time(f.paris(2027, 3, 9, 14), f.paris(2027, 3, 10, 12))
        == "du mardi 9 mars 2027 à 14 h 00 au mercredi 10 mars 2027 à 12 h 00"
    )


# --- No query per row -------------------------------------------------------------------------------


def _queries(client: FlaskClient, url: str) -> int:
    """How many SQL statements a page costs, served as a real request: a fresh app context and session."""
    from flask import current_app
    from sqlalchemy import event

    count = 0

    def on_execute(*_: object) -> None:
        nonlocal count
        count += 1

    event.listen(db.engine, "before_cursor_execute", on_execute)
    try:
        with current_app.app_context():
            assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", on_execute)
    return count


def _maires(codes: list[str]) -> None:
    for code in codes:
        f.mandate(f.person(f"Maire{code}"), Role.MAIRE, f.commune(code))


def test_pages_do_not_query_per_row(client: FlaskClient, login: Login, lozere: None) -> None:
    login(UserRole.LECTEUR)
    _maires(["48092", "48099", "48103"])
    small = f.meeting(starts_at=f.paris(2027, 3, 9), title="Petite")
    freeze_invitees(small)
    small_open = f.meeting(starts_at=f.paris(2027, 3, 10), title="Petite ouverte")
    db.session.commit()
    urls = [
        f"/reunions/{small.id}",
        f"/reunions/{small_open.id}",
        "/reunions/",
        "/reunions/?vue=mois&mois=2027-03",
    ]
    counts = [_queries(client, url) for url in urls]

    _maires(["48005", "48032", "48072", "48107", "48165", "48168", "48124", "48138"])
    large = f.meeting(starts_at=f.paris(2027, 3, 16), title="Grande")
    assert len(freeze_invitees(large)) == 11
    large_open = f.meeting(starts_at=f.paris(2027, 3, 17), title="Grande ouverte")
    for day in range(22, 26):
        f.meeting(starts_at=f.paris(2027, 3, day), title=f"Autre {day}")
    db.session.commit()
    urls[:2] = [f"/reunions/{large.id}", f"/reunions/{large_open.id}"]
    assert [_queries(client, url) for url in urls] == counts
