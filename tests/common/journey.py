"""The journey tests' site: the demo site, a browser that refuses any 5xx, what the outbox holds.

The site is the real Lozère territory with the demo élus (and their awkward cases: an internationalised
domain, apostrophes, homonyms, élus without email), one account per role, each logged in through the real
login form in its own test client. Nothing here is mocked: the pages are the app's, the emails are the
outbox's bytes, their calendars are read with vobject (independently of the icalendar library that wrote
them).
"""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import vobject
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from concertation import create_app
from concertation.accounts.models import UserRole
from concertation.accounts.services import create_user
from concertation.core.timeutils import PARIS, now_utc, today_paris
from concertation.demo import load_demo
from concertation.extensions import db
from concertation.followup.services import close_past_meetings
from concertation.invitations.models import Invitation
from concertation.meetings.composition import ensure_default_rules
from concertation.meetings.models import Meeting
from concertation.minutes.attendance import attendance_lines
from concertation.minutes.models import Minutes
from concertation.notifications.models import OutboxMessage
from concertation.territory.importer import load_lozere
from config import TestConfig
from tests.common.database import wipe
from tests.common.http import csrf_token, log_in

PASSWORD = "mot-de-passe-du-parcours"
ROLES = (UserRole.LECTEUR, UserRole.ORGANISATEUR, UserRole.ADMIN)
GEVAUDAN = "244800470"
COEUR_DE_LOZERE = "244800405"
# The answer link of an email: /r/<signed token>.
ANSWER_LINK = re.compile(r"/r/([A-Za-z0-9_.\-]+)")
POLL_LINK = re.compile(r"/s/([A-Za-z0-9_.\-]+)")


class ServerError(AssertionError):
    """A page answered 5xx (the test client re-raises the app's exceptions; this catches the others)."""


@dataclass
class Browser:
    """A test client logged in (or not) that fails on any 5xx and posts with its session's CSRF token."""

    client: FlaskClient
    token: str = ""
    log: list[tuple[str, str, int]] = field(default_factory=list)

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        response = self.client.get(url, **kwargs)
        self.log.append(("GET", url, response.status_code))
        if response.status_code >= 500:
            raise ServerError(f"GET {url} -> {response.status_code}")
        return response

    def post(self, url: str, data: dict[str, Any] | None = None) -> TestResponse:
        sent = {"csrf_token": self.token, **(data or {})}
        response = self.client.post(url, data=sent)
        self.log.append(("POST", url, response.status_code))
        if response.status_code >= 500:
            raise ServerError(f"POST {url} -> {response.status_code}")
        return response


def login(app: Flask, email_address: str) -> Browser:
    client = app.test_client()
    log_in(client, email_address, PASSWORD)
    # Flask-WTF keeps one token per session (no time limit in the config): any page's token serves.
    return Browser(
        client, csrf_token(client, "/reunions/nouvelle" if email_address != "lecteur@lozere.fr" else "/")
    )


@dataclass
class Site:
    app: Flask
    browsers: dict[UserRole, Browser]

    @property
    def organiser(self) -> Browser:
        return self.browsers[UserRole.ORGANISATEUR]


def open_site(database_url: str, mail_dir: str) -> Site:
    """The app on the Lozère territory with the demo élus and one logged-in browser per role.

    No application context stays pushed: each request gets its own, as in production."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url, MAIL_CATCHER_DIR=mail_dir)
    with app.app_context():
        ensure_default_rules()
        load_lozere()
        load_demo()
        for role in ROLES:
            create_user(f"{role.value}@lozere.fr", PASSWORD, role)
        db.session.commit()
        db.session.remove()
    return Site(app, {role: login(app, f"{role.value}@lozere.fr") for role in ROLES})


def close_site(site: Site) -> None:
    with site.app.app_context():
        wipe()
        db.engine.dispose()


def meeting_id_from(response: TestResponse) -> int | None:
    """The id of the meeting a creation redirected to, or None when it was refused."""
    match = re.search(r"/reunions/(\d+)$", response.headers.get("Location", ""))
    return int(match.group(1)) if response.status_code == 303 and match else None


# --- The outbox ---------------------------------------------------------------------------------------


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def calendar_of(raw: bytes) -> tuple[str, int, str] | None:
    """(METHOD, SEQUENCE, UID) of the email's calendar part, read with vobject; None without one."""
    message = parse(raw)
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            calendar = vobject.readOne(payload.decode("utf-8"))
            event = calendar.vevent
            sequence = int(event.sequence.value) if hasattr(event, "sequence") else 0
            return calendar.method.value.upper(), sequence, event.uid.value
    return None


def text_of(raw: bytes) -> str:
    message = parse(raw)
    body = message.get_body(preferencelist=("plain",))
    return body.get_content() if body is not None else ""


def answer_tokens(raw: bytes) -> list[str]:
    return ANSWER_LINK.findall(text_of(raw))


def outbox(meeting_ids: list[int] | None = None, after: int = 0) -> Iterator[OutboxMessage]:
    """The outbox rows (of these meetings), in the order they were written; needs an app context."""
    query = select(OutboxMessage).where(OutboxMessage.id > after).order_by(OutboxMessage.id)
    if meeting_ids is not None:
        query = query.where(OutboxMessage.meeting_id.in_(meeting_ids))
    yield from db.session.scalars(query)


def scripted_journey(site: Site) -> list[str]:
    """The scripted journey; returns the answer links of the emails it wrote."""
    organiser = site.organiser
    day = today_paris() + timedelta(days=30)
    response = organiser.post(
        "/reunions/nouvelle",
        {
            "kind": "concertation",
            "intercommunality": GEVAUDAN,
            "title": "Concertation du Gévaudan – priorités",
            "purpose": "propositions",
            "day": day.isoformat(),
            "start_time": "14:00",
            "end_time": "17:00",
            "location_name": "Salle polyvalente d'Antrenas",
            "location_address": "Le Bourg",
            "location_commune": "48005",
            "agenda": "Accueil\r\nPriorités du contrat\r\nQuestions diverses",
        },
    )
    meeting_id = meeting_id_from(response)
    assert meeting_id is not None, response.get_data(as_text=True)[:2000]
    base = f"/reunions/{meeting_id}"
    organiser.post(f"{base}/convoquer")
    # The dossier de séance, so that the crawl downloads a version as each role.
    assert organiser.post(f"{base}/dossier").status_code == 303
    app = site.app
    with app.app_context():
        invitations = db.session.scalars(
            select(Invitation).where(Invitation.meeting_id == meeting_id).order_by(Invitation.id)
        ).all()
        assert invitations, "the convocation wrote no invitation"
        tokens = sorted({t for m in outbox([meeting_id]) for t in answer_tokens(m.raw)})
        organiser_answered = invitations[-1].id
    assert tokens, "the convocation wrote no email with an answer link"
    # An élu answers through the link of their email (as anyone would: without an account).
    anonymous = app.test_client()
    page = anonymous.get(f"/r/{tokens[0]}")
    assert page.status_code == 200
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    assert token is not None
    answered = anonymous.post(
        f"/r/{tokens[0]}",
        data={
            "csrf_token": token.group(1),
            "answer": "represente",
            "represented_by": "Jeanne d'Arc, 1re adjointe",
        },
    )
    assert answered.status_code == 303
    organiser.post(f"{base}/invitations/{organiser_answered}/reponse", {"answer": "absent"})
    # The day comes: the meeting took place yesterday, and the nightly job closes it.
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert meeting is not None
        yesterday = today_paris() - timedelta(days=1)
        meeting.starts_at = datetime(yesterday.year, yesterday.month, yesterday.day, 14, tzinfo=PARIS)
        meeting.ends_at = meeting.starts_at + timedelta(hours=3)
        close_past_meetings(now_utc())
        db.session.commit()
        people = [line.person.id for line in attendance_lines(meeting)]
    organiser.post(f"{base}/emargement", {f"statut-{pid}": "present" for pid in people})
    organiser.post(f"{base}/decisions", {"kind": "autre", "text": "Le projet d'Antrenas est retenu."})
    organiser.post(
        f"{base}/actions",
        {
            "title": "Transmettre la délibération",
            "owner_service": "Service des routes du Département",
            "due_on": (today_paris() + timedelta(days=60)).isoformat(),
        },
    )
    organiser.post(f"{base}/compte-rendu/commencer")
    with app.app_context():
        minutes = db.session.scalar(select(Minutes).where(Minutes.meeting_id == meeting_id))
        assert minutes is not None
        sections = [s.id for s in minutes.sections]
    organiser.post(
        f"{base}/compte-rendu/modifier",
        {f"texte-{sid}": "Les élus **approuvent** les priorités." for sid in sections},
    )
    organiser.post(f"{base}/compte-rendu/validation")
    organiser.post(f"{base}/compte-rendu/diffusion")
    with app.app_context():
        kinds = {m.kind for m in outbox([meeting_id])}
    assert "compte_rendu" in kinds, f"the minutes were not diffused: {kinds}"
    # A Rendez-vous of the Florac sector (Le Rozier, in an Aveyron CC), convoked for later: its answer
    # pages are open, where the held meeting's are closed.
    later = today_paris() + timedelta(days=90)
    response = organiser.post(
        "/reunions/nouvelle",
        {
            "kind": "rendez_vous",
            "sector": "48061",
            "year": str(later.year),
            "title": f"Rendez-vous de Territoire de Florac {later.year}",
            "day": later.isoformat(),
            "start_time": "09:30",
            "end_time": "12:30",
            "agenda": "Accueil\r\nProjets du secteur",
        },
    )
    coming = meeting_id_from(response)
    assert coming is not None, response.get_data(as_text=True)[:2000]
    organiser.post(f"/reunions/{coming}/convoquer")
    with app.app_context():
        open_tokens = sorted({t for m in outbox([coming]) for t in answer_tokens(m.raw)})
    assert open_tokens, "the Rendez-vous was not convoked"
    return [f"/r/{open_tokens[0]}", f"/r/{tokens[0]}", *poll_pages(site)]


def poll_pages(site: Site) -> list[str]:
    """A draft concertation whose date is put to a poll of three slots, sent. Returns the link of the
    first poll email (the élu's page, reached from the email) and the draft's page (a crawl follows one
    meeting page of each shape from the home page: another meeting, not this one)."""
    organiser = site.organiser
    first = today_paris() + timedelta(days=120)
    response = organiser.post(
        "/reunions/nouvelle",
        {
            "kind": "concertation",
            "intercommunality": GEVAUDAN,
            "title": "Concertation du Gévaudan – avenant n° 1",
            "purpose": "avenant",
            "day": first.isoformat(),
            "start_time": "14:00",
            "end_time": "17:00",
            "location_name": "Mairie de Marvejols",
            "agenda": "Projet d'avenant",
        },
    )
    draft = meeting_id_from(response)
    assert draft is not None, response.get_data(as_text=True)[:2000]
    slots: dict[str, str] = {}
    for index, day in enumerate(first + timedelta(days=7 * week) for week in range(3)):
        slots |= {f"slots-{index}-day": day.isoformat(), f"slots-{index}-start": "14:00"}
        slots[f"slots-{index}-end"] = "17:00"
    proposed = organiser.post(f"/reunions/{draft}/sondage/nouveau", {**slots, "message": "Merci d'avance."})
    assert proposed.status_code == 303, proposed.get_data(as_text=True)[:2000]
    assert organiser.post(f"/reunions/{draft}/sondage/envoyer").status_code == 303
    with site.app.app_context():
        links = sorted({t for m in outbox([draft]) for t in POLL_LINK.findall(text_of(m.raw))})
    assert links, "the poll wrote no email with a poll link"
    return [f"/s/{links[0]}", f"/reunions/{draft}"]
