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
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from concertation.accounts.models import UserRole
from tests.common.journey import (
    Browser,
    Site,
    close_site,
    open_site,
    scripted_journey,
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


@pytest.fixture(scope="module")
def journeyed(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Site, list[str]]]:
    site = open_site(database_url, str(tmp_path_factory.mktemp("mail")))
    try:
        yield site, scripted_journey(site)
    finally:
        close_site(site)


@pytest.mark.parametrize(
    "role", [UserRole.LECTEUR, UserRole.ORGANISATEUR, UserRole.ADMIN], ids=lambda r: r.value
)
def test_every_link_leads_somewhere(journeyed: tuple[Site, list[str]], role: UserRole) -> None:
    site, answer_links = journeyed
    found = crawl(site.browsers[role], ["/"])
    # The answer pages (open, then closed) and the poll page are reached from the emails, the draft with
    # the poll from its own page; each is its own shape here.
    for link in answer_links:
        reached = crawl(site.browsers[role], [link])
        found.pages.update(reached.pages)
        found.empty += reached.empty
        found.broken += reached.broken
    assert len(found.pages) > 20, sorted(found.pages)  # the crawl did get past the home page
    assert any("/reunions/" in url for url in found.pages)
    assert any(url.startswith("/s/") for url in found.pages)
    if role is not UserRole.LECTEUR:
        assert any(url.endswith("/sondage") for url in found.pages), sorted(found.pages)
    assert not found.empty, f'liens vides (href="") sur : {sorted(set(found.empty))}'
    assert not found.broken, f"liens vers une page introuvable : {found.broken}"
