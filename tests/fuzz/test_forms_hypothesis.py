"""Hypothesis on the main forms, posted by a logged-in organiser (and by anyone for login and answers).

Each field gets a plausible value or something nasty: control characters, huge strings, any Unicode,
HTML and script, impossible dates and times, negative numbers, unknown ids, or nothing at all. Whatever
is posted, the page never fails (the test client re-raises any exception of the app); a refusal (a 4xx,
or a redirect with an error notice) explains itself in French and writes nothing; no page echoes the
script unescaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from concertation import create_app
from concertation.accounts.models import UserRole
from concertation.accounts.services import create_user
from concertation.extensions import db
from concertation.invitations import services as invitation_services
from concertation.invitations.models import Invitation
from concertation.invitations.tokens import rsvp_url
from concertation.meetings import services as meeting_services
from concertation.meetings.composition import ensure_default_rules
from concertation.meetings.models import ConcertationPurpose, MeetingKind
from concertation.notifications.emails import MailContext
from concertation.people.models import Role
from concertation.people.services import CIVILITIES
from concertation.territory.importer import load_lozere
from concertation.territory.models import Canton, Commune, Intercommunality, Sector
from config import TestConfig
from tests.common import db as f
from tests.common.database import wipe
from tests.common.fuzz import FUZZ, english_words
from tests.common.http import csrf_token

PASSWORD = "mot-de-passe-du-fuzzing"
SCRIPT = "<script>alert(1)</script>"
# Statuses a form may answer: done (303), refused (400, 401, 404, 422), slowed down (429: repeated failed
# logins, an answer link used too often); never 500, never 200 to a POST that was not taken into account
# (the browser must see that it failed).
ANSWERS = {303, 400, 401, 404, 422, 429}
# Reference data that no form here changes: left out of the before/after comparison, for speed.
STATIC_TABLES = {"commune", "canton", "canton_commune", "intercommunality", "intercommunality_membership"}
# Changed by design by a refused request, not writes of the refused form: the throttling counters (every
# failed login, every visit of an answer link) and the audit trail (a failed login is recorded).
VOLATILE_TABLES = {"user", "job_run", "throttle", "audit_event"}

# --- Values -------------------------------------------------------------------------------------------

NASTY = [
    "",
    " ",
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    "x" * 5000,
    "é" * 301,
    "\u202eRTL\u200b",
    "\r\n\t",
    "' OR 1=1 --",
    "{{ 7*7 }}",
    "-1",
    "0",
    "99999999999999999999",
    "null",
    "\x00",
    "\x07\x1b[31m",
    "🏔️ Lozère",
]
nasty = st.one_of(st.sampled_from(NASTY), st.text(max_size=40))


def mostly(plausible: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Another plausible value, or something nasty."""
    return st.one_of(plausible, nasty)


days = st.dates(min_value=date(2026, 1, 1), max_value=date(2029, 12, 31)).map(date.isoformat)
bad_days = st.sampled_from(["2027-02-30", "0001-01-01", "9999-12-31", "09/03/2027", "2027-3-9", "demain"])
times = st.sampled_from(["09:00", "14:00", "17:30", "23:59:59", "00:00"])
bad_times = st.sampled_from(["25:00", "14h", "14:60", "-1:00", "١٤:٠٠"])


_MISSING = object()


def form(
    valid: dict[str, Any], fuzzed: dict[str, st.SearchStrategy[Any]]
) -> st.SearchStrategy[dict[str, Any]]:
    """A valid submission in which a few fields (often none or one) take a fuzzed value or go missing
    (a browser sends them all; a script may not), so that accepted posts are tried as well as refused."""

    @st.composite
    def submission(draw: st.DrawFn) -> dict[str, Any]:
        data = dict(valid)
        for name in draw(st.lists(st.sampled_from(sorted(fuzzed)), unique=True)):
            value = draw(st.one_of(fuzzed[name], st.just(_MISSING)))
            if value is _MISSING:
                data.pop(name, None)
            else:
                data[name] = value
        return data

    return submission()


def ids(known: list[int]) -> st.SearchStrategy[str]:
    return mostly(st.sampled_from([str(i) for i in known] + ["", "999999", "-1", "2147483648"]))


# --- The site -----------------------------------------------------------------------------------------


@dataclass
class Site:
    """The app on the Lozère territory with élus, meetings and a syndicate; an organiser's browser and
    an anonymous one."""

    app: Flask
    organiser: FlaskClient
    anonymous: FlaskClient
    ids: dict[str, list[int]] = field(default_factory=dict)
    codes: dict[str, list[str]] = field(default_factory=dict)
    answer_path: str = ""


def _login(client: FlaskClient, email: str) -> None:
    token = csrf_token(client, "/connexion")
    response = client.post("/connexion", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303


@pytest.fixture(scope="module")
def site(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One app for the module (the territory takes longer to load than a form to fuzz); what accepted
    posts write accumulates, so later examples meet the objects earlier ones created. Wiped at the end.

    No application context stays pushed: each request gets its own, as in production (a shared one
    would share `g`, and with it the logged-in user, between the two browsers)."""
    mail = tmp_path_factory.mktemp("mail")
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url, MAIL_CATCHER_DIR=str(mail))
    with app.app_context():
        ensure_default_rules()
        load_lozere()
        persons = f.gevaudan_elus()
        syndicate = f.syndicate("SIVOM de la Colagne", communes=["48092", "48099"])
        draft = f.meeting("concertation", siren="244800470", starts_at=f.paris(2027, 3, 9, 14))
        convoked = f.meeting("concertation", siren="244800470", starts_at=f.paris(2027, 4, 6, 14))
        cancelled = f.meeting("autre", siren=None, purpose="Visite", starts_at=f.paris(2027, 6, 1, 10))
        db.session.commit()
        ctx = MailContext.from_config(app.config)
        invitation_services.convoke(convoked, ctx)
        meeting_services.cancel_meeting(cancelled)
        # An admin: the syndicate and sector forms fuzzed below are the admin's (issue 14).
        create_user("organisatrice@lozere.fr", PASSWORD, UserRole.ADMIN)
        create_user("lecteur@lozere.fr", PASSWORD, UserRole.LECTEUR)
        db.session.commit()
        invitation = db.session.scalars(
            select(Invitation).where(Invitation.meeting_id == convoked.id).order_by(Invitation.id)
        ).first()
        assert invitation is not None
        built = Site(
            app,
            app.test_client(),
            app.test_client(),
            ids={
                "person": [p.id for p in persons],
                "meeting": [draft.id, convoked.id, cancelled.id],
                "syndicate": [syndicate.id],
                "commune": list(db.session.scalars(select(Commune.id).order_by(Commune.id).limit(40))),
                "intercommunality": list(db.session.scalars(select(Intercommunality.id))),
                "canton": list(db.session.scalars(select(Canton.id))),
                "sector": list(db.session.scalars(select(Sector.id))),
            },
            codes={
                "town": [s.town.insee_code for s in db.session.scalars(select(Sector))],
                "siren": list(db.session.scalars(select(Intercommunality.siren))),
                "insee": ["48092", "48095", "48099", "48103", "2A004", "12145", "48999"],
            },
            answer_path="/r/" + rsvp_url(ctx, invitation.id, convoked.id).rsplit("/r/", 1)[1],
        )
        db.session.remove()
    _login(built.organiser, "organisatrice@lozere.fr")
    try:
        yield built
    finally:
        with app.app_context():
            wipe()
            db.engine.dispose()


# --- Checks -------------------------------------------------------------------------------------------


def snapshot(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables a form may change, as committed."""
    rows = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if table.name in STATIC_TABLES | VOLATILE_TABLES:
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            rows[table.name] = [tuple(row) for row in db.session.execute(select(table).order_by(*order))]
    return rows


_MESSAGES = re.compile(
    r'<div class="invalid-feedback[^"]*"[^>]*>(.*?)</div>'
    r'|<div class="alert alert-(?:danger|warning)"[^>]*>(.*?)</div>'
    r'|<h1 class="h3">Erreur \d+</h1>\s*<p>(.*?)</p>',
    re.DOTALL,
)


def page_messages(page: str) -> list[str]:
    """The error messages a page shows (field errors, alerts, error page)."""
    texts = [
        next(group for group in match.groups() if group is not None) for match in _MESSAGES.finditer(page)
    ]
    return [html.unescape(re.sub(r"<[^>]+>", " ", text)).strip() for text in texts]


def flashes(client: FlaskClient) -> list[tuple[str, str]]:
    """The notices waiting for the next page (read and cleared, as the next page would)."""
    with client.session_transaction() as session:
        return list(session.pop("_flashes", []))


def post(client: FlaskClient, path: str, data: dict[str, Any], token_from: str | None = None) -> None:
    """Post the form and check the answer; a refusal must explain itself in French and write nothing."""
    sent = {"csrf_token": csrf_token(client, token_from or path), **data}
    before = snapshot(client.application)
    response = client.post(path, data=sent)
    page = response.get_data(as_text=True)
    notices = flashes(client)
    # A form may also answer 200 with a question (a duplicate Rendez-vous, answers that a change resets):
    # nothing is saved until the organiser confirms.
    asks = response.status_code == 200 and 'name="confirm"' in page
    assert response.status_code in ANSWERS or asks, f"{path} -> {response.status_code}"
    if asks:
        assert snapshot(client.application) == before, f"{path} : confirmation demandée mais écrit"
    assert SCRIPT not in page, f"{path} : script renvoyé sans échappement"
    refused = response.status_code >= 400 or any(kind in ("danger", "warning") for kind, _ in notices)
    messages = [message for kind, message in notices if kind != "success"] + page_messages(page)
    values = [value for value in data.values() if isinstance(value, str)]
    for message in messages:
        found = english_words(message, ignore=values)
        assert not found, f"{path} : message en anglais ({', '.join(sorted(found))}) : {message!r}"
    if refused:
        assert messages, f"{path} -> {response.status_code} sans message"
        assert snapshot(client.application) == before, f"{path} -> {response.status_code} : refusé mais écrit"


# --- Meetings -----------------------------------------------------------------------------------------


def meeting_form(site: Site) -> st.SearchStrategy[dict[str, Any]]:
    valid = {
        "kind": "concertation",
        "sector": "",
        "intercommunality": "244800470",
        "title": "Concertation du Gévaudan",
        "purpose": "diagnostic",
        "year": "",
        "other_purpose": "",
        "day": "2027-09-14",
        "start_time": "14:00",
        "end_time": "17:00",
        "location_name": "Salle des fêtes",
        "location_address": "Place du Soubeyran",
        "location_commune": "48092",
        "agenda": "Accueil\r\nDiagnostic du territoire",
    }
    return form(
        valid,
        {
            "confirm": st.sampled_from(["1", "", "0"]),
            "kind": mostly(st.sampled_from([k.value for k in MeetingKind])),
            "sector": mostly(st.sampled_from(["", *site.codes["town"]])),
            "intercommunality": mostly(st.sampled_from(["", *site.codes["siren"]])),
            "title": mostly(st.sampled_from(["Concertation du Gévaudan", "Rendez-vous de Mende 2027"])),
            "purpose": mostly(st.sampled_from(["", *(p.value for p in ConcertationPurpose)])),
            "year": mostly(st.sampled_from(["", "2027", "2028", "27", "٢٠٢٧"])),
            "other_purpose": mostly(st.sampled_from(["", "Visite de chantier"])),
            "day": st.one_of(days, days, bad_days, nasty),
            "start_time": st.one_of(times, times, bad_times, nasty),
            "end_time": st.one_of(times, times, bad_times, nasty),
            "location_name": mostly(st.just("Salle des fêtes")),
            "location_address": mostly(st.just("Place du Soubeyran")),
            "location_commune": mostly(st.sampled_from(["", *site.codes["insee"]])),
            "agenda": mostly(st.sampled_from(["Accueil\r\nDiagnostic", "", "\r\n \r\n", "x" * 600])),
        },
    )


@given(data=st.data())
@FUZZ
def test_meeting_create(site: Site, data: st.DataObject) -> None:
    post(site.organiser, "/reunions/nouvelle", data.draw(meeting_form(site)))


@given(data=st.data())
@FUZZ
def test_meeting_edit(site: Site, data: st.DataObject) -> None:
    meeting_id = data.draw(st.sampled_from([*site.ids["meeting"], 999999]))
    path = f"/reunions/{meeting_id}/modifier"
    post(site.organiser, path, data.draw(meeting_form(site)), token_from="/reunions/nouvelle")


@given(data=st.data())
@FUZZ
def test_invitee_add_and_remove(site: Site, data: st.DataObject) -> None:
    meeting_id = data.draw(st.sampled_from(site.ids["meeting"]))
    action = data.draw(st.sampled_from(["ajout", "retrait"]))
    valid = {"person_id": str(data.draw(st.sampled_from(site.ids["person"]))), "reason": "Partenaire"}
    fields = form(valid, {"person_id": ids(site.ids["person"]), "reason": nasty, "q": nasty})
    post(
        site.organiser,
        f"/reunions/{meeting_id}/invites/{action}",
        data.draw(fields),
        token_from=f"/reunions/{meeting_id}",
    )


# --- People -------------------------------------------------------------------------------------------

person_form = form(
    {
        "civility": "Mme",
        "first_name": "Anne",
        "last_name": "PETIT",
        "birth_on": "1966-05-05",
        "email": "anne.petit@example.org",
        "phone": "04 66 49 12 34",
        "postal_address": "Mairie, 48100 Marvejols",
        "notes": "",
    },
    {
        "civility": mostly(st.sampled_from(list(CIVILITIES))),
        "first_name": mostly(st.sampled_from(["Hélène", "Jean-Édouard", "Anne"])),
        "last_name": mostly(st.sampled_from(["MARTIN", "D'ARTOIS", "Ñúñez"])),
        "birth_on": st.one_of(st.just(""), days, bad_days, nasty),
        "email": mostly(st.one_of(st.emails(), st.sampled_from(["a@b", "élu@mairie-mende.fr", "x@@y.fr"]))),
        "phone": mostly(st.sampled_from(["04 66 49 12 34", "+33 4 66 49 12 34", "12"])),
        "postal_address": nasty,
        "notes": st.one_of(nasty, st.just("n" * 5001)),
    },
)


@given(data=person_form)
@FUZZ
def test_person_create(site: Site, data: dict[str, Any]) -> None:
    post(site.organiser, "/elus/nouveau", data)


@given(data=st.data())
@FUZZ
def test_person_edit(site: Site, data: st.DataObject) -> None:
    person_id = data.draw(st.sampled_from([*site.ids["person"][:3], 999999]))
    post(site.organiser, f"/elus/{person_id}/modifier", data.draw(person_form), token_from="/elus/nouveau")


@given(data=st.data())
@FUZZ
def test_mandate_add(site: Site, data: st.DataObject) -> None:
    person_id = data.draw(st.sampled_from(site.ids["person"][:3]))
    valid = {
        "role": "maire",
        "commune_id": str(site.ids["commune"][0]),
        "intercommunality_id": "",
        "canton_id": "",
        "syndicate_id": "",
        "function_label": "",
        "starts_on": "2026-03-22",
        "ends_on": "",
    }
    fields = form(
        valid,
        {
            "role": mostly(st.sampled_from([r.value for r in Role])),
            "commune_id": ids(site.ids["commune"]),
            "intercommunality_id": ids(site.ids["intercommunality"]),
            "canton_id": ids(site.ids["canton"]),
            "syndicate_id": ids(site.ids["syndicate"]),
            "function_label": nasty,
            "starts_on": st.one_of(st.just(""), days, bad_days),
            "ends_on": st.one_of(st.just(""), days, bad_days, nasty),
        },
    )
    post(site.organiser, f"/elus/{person_id}/mandats", data.draw(fields), token_from=f"/elus/{person_id}")


# --- Territory ----------------------------------------------------------------------------------------


@given(data=st.data())
@FUZZ
def test_syndicate_create(site: Site, data: st.DataObject) -> None:
    valid = {
        "name": f"Syndicat des eaux n° {data.draw(st.integers(1, 10**6))}",
        "siren": "",
        "purpose": "Eau potable",
        "communes": [str(site.ids["commune"][0])],
        "intercommunalities": [],
    }
    fields = form(
        valid,
        {
            "name": mostly(st.sampled_from(["Syndicat des eaux", "SIVOM de la Colagne", "  "])),
            "siren": mostly(st.sampled_from(["", "200 069 102", "254801234", "12345678"])),
            "purpose": st.one_of(nasty, st.just("p" * 501)),
            "communes": st.lists(ids(site.ids["commune"]), max_size=4),
            "intercommunalities": st.lists(ids(site.ids["intercommunality"]), max_size=3),
        },
    )
    post(site.organiser, "/territoire/syndicats/nouveau", data.draw(fields))


@given(data=st.data())
@FUZZ
def test_sector_edit(site: Site, data: st.DataObject) -> None:
    sector_id = data.draw(st.sampled_from([*site.ids["sector"], 999999]))
    valid = {"intercommunalities": [str(site.ids["intercommunality"][0])], "extra_communes": []}
    fields = form(
        valid,
        {
            "intercommunalities": st.lists(ids(site.ids["intercommunality"]), max_size=4),
            "extra_communes": st.lists(ids(site.ids["commune"]), max_size=4),
        },
    )
    post(
        site.organiser,
        f"/territoire/secteurs/{sector_id}/modifier",
        data.draw(fields),
        token_from=f"/territoire/secteurs/{site.ids['sector'][0]}/modifier",
    )


# --- Public pages -------------------------------------------------------------------------------------


@given(
    data=form(
        {"answer": "represente", "represented_by": "Mme Anne PETIT, adjointe", "comment": ""},
        {
            "answer": mostly(st.sampled_from(["present", "absent", "represente", "peut_etre", "en_attente"])),
            "represented_by": st.one_of(st.just("Mme Anne PETIT, adjointe"), nasty, st.just("r" * 301)),
            "comment": st.one_of(nasty, st.just("c" * 2001)),
        },
    )
)
@FUZZ
def test_answer_link(site: Site, data: dict[str, Any]) -> None:
    post(site.anonymous, site.answer_path, data)


@given(
    data=form(
        {"email": "lecteur@lozere.fr", "password": PASSWORD, "remember": ""},
        {
            "email": st.one_of(
                st.sampled_from(["lecteur@lozere.fr", "LECTEUR@lozere.fr ", "inconnu@lozere.fr"]), nasty
            ),
            "password": st.one_of(st.just(PASSWORD), nasty),
            "remember": st.sampled_from(["y", "", "on", "0"]),
        },
    )
)
@FUZZ
def test_login(site: Site, data: dict[str, Any]) -> None:
    post(site.app.test_client(), "/connexion", data)  # a new browser: no session, no remember-me cookie
