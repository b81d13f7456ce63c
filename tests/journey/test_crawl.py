"""After a scripted journey, every link reachable from the home page is followed, as lecteur, organisateur
and admin: no page answers 5xx, no link is empty (`href=""`), no link of the app leads to a 404.

The journey (through the pages, as the organiser would): a concertation of the CC du Gévaudan (with the
demo's awkward élus) is created and convoked, an élu answers through the link of their email, the organiser
enters another answer, the meeting takes place, the attendance, a decision, an action and the minutes are
recorded, and the minutes are validated and diffused. The answer links of the emails are crawled too (they
are reached from the emails, not from the home page).

Links are followed once per shape (digits count as one: /reunions/12 and /reunions/13 are one page; query
values do not count), so that the crawl stays bounded; each kind of PDF, CSV and calendar is fetched once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from sqlalchemy import select

from concertation.accounts.models import UserRole
from concertation.core.timeutils import PARIS, now_utc, today_paris
from concertation.extensions import db
from concertation.followup.services import close_past_meetings
from concertation.invitations.models import Invitation
from concertation.meetings.models import Meeting
from concertation.minutes.attendance import attendance_lines
from concertation.minutes.models import Minutes
from tests.common.journey import (
    GEVAUDAN,
    Browser,
    Site,
    answer_tokens,
    close_site,
    meeting_id_from,
    open_site,
    outbox,
)

ORIGIN = "http://localhost"
# Not followed: leaving the session, and pages that only answer a POST.
SKIPPED = re.compile(r"^/(deconnexion|static/)")
MAX_PAGES = 600


class Links(HTMLParser):
    """The href of every <a> (and <link>) of a page; None for an attribute without a value."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"a", "link"}:
            self.hrefs.extend(value for name, value in attrs if name == "href")


def shape(url: str) -> str:
    """What makes two URLs the same page for the crawl: the path with its numbers, the query's names."""
    parts = urlsplit(url)
    path = re.sub(r"\d+", "N", parts.path)
    path = re.sub(r"/r/[^/]+$", "/r/TOKEN", path)
    path = re.sub(r"/flux/personne/[^/]+$", "/flux/personne/TOKEN", path)
    names = sorted({pair.split("=", 1)[0] for pair in parts.query.split("&") if pair})
    return f"{path}?{'&'.join(names)}"


@dataclass
class Crawl:
    pages: dict[str, int] = field(default_factory=dict)
    empty: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)


def crawl(browser: Browser, seeds: list[str]) -> Crawl:
    """Follow every same-origin link from the seeds, breadth first, once per shape."""
    found = Crawl()
    queue: list[tuple[str, str]] = [(seed, "(départ)") for seed in seeds]
    seen: set[str] = set()
    while queue and len(found.pages) < MAX_PAGES:
        url, referrer = queue.pop(0)
        key = shape(url)
        if key in seen:
            continue
        seen.add(key)
        response = browser.get(url)  # raises on 5xx
        found.pages[url] = response.status_code
        if response.status_code == 404:
            found.broken.append(f"{url} (lien de {referrer})")
        if response.status_code in {301, 302, 303, 307, 308}:
            target = urljoin(ORIGIN + url, response.headers["Location"])
            if target.startswith(ORIGIN):
                queue.append((target.removeprefix(ORIGIN), url))
            continue
        if response.mimetype != "text/html":
            continue
        parser = Links()
        parser.feed(response.get_data(as_text=True))
        for href in parser.hrefs:
            if not (href or "").strip():
                found.empty.append(url)
                continue
            assert href is not None
            target, _fragment = urldefrag(urljoin(ORIGIN + url, href))
            if not target.startswith(ORIGIN + "/"):
                continue  # mailto:, tel:, webcal:, another site
            path = target.removeprefix(ORIGIN)
            if not SKIPPED.match(path):
                queue.append((path, url))
    return found


def _journey(site: Site) -> list[str]:
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
    return [f"/r/{open_tokens[0]}", f"/r/{tokens[0]}"]


@pytest.fixture(scope="module")
def journeyed(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Site, list[str]]]:
    site = open_site(database_url, str(tmp_path_factory.mktemp("mail")))
    try:
        yield site, _journey(site)
    finally:
        close_site(site)


@pytest.mark.parametrize(
    "role", [UserRole.LECTEUR, UserRole.ORGANISATEUR, UserRole.ADMIN], ids=lambda r: r.value
)
def test_every_link_leads_somewhere(journeyed: tuple[Site, list[str]], role: UserRole) -> None:
    site, answer_links = journeyed
    found = crawl(site.browsers[role], ["/"])
    # The answer pages (open, then closed) are reached from the emails; each is its own shape here.
    for link in answer_links:
        reached = crawl(site.browsers[role], [link])
        found.pages.update(reached.pages)
        found.empty += reached.empty
        found.broken += reached.broken
    assert len(found.pages) > 20, sorted(found.pages)  # the crawl did get past the home page
    assert any("/reunions/" in url for url in found.pages)
    assert not found.empty, f'liens vides (href="") sur : {sorted(set(found.empty))}'
    assert not found.broken, f"liens vers une page introuvable : {found.broken}"
