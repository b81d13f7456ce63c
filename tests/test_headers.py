"""Security headers (concertation/core/headers.py), checked on every route of `app.url_map`.

The walk runs on the data of the scripted journey of tests/journey (a concertation convoked, answered, held,
its minutes diffused; a Rendez-vous convoked), the demo élus and the demo contracts, so that URLs carry real
ids and most pages answer 200 with their real content. Every route is asked once per visitor (anonymous,
organisateur, admin): GET where the route has it, otherwise its first method without a CSRF token (an
error page or a redirect, which must carry the headers too). Each HTML page is also read for what the policy
would block: an inline script, an on* handler, a style attribute or a `<style>` without the page's nonce.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Table, select
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from concertation import create_app
from concertation.accounts.models import UserRole
from concertation.core.headers import SECRET_URL_PREFIXES
from concertation.extensions import db
from concertation.invitations.letters import short_code
from concertation.invitations.models import Invitation
from concertation.notifications.feeds import person_feed_token
from config import Config, DevelopmentConfig, TestConfig
from tests.common.journey import GEVAUDAN, Site, close_site, open_site, outbox, scripted_journey
from tests.common.routes import PUBLIC_PREFIXES, url_for_rule

IGNORED_METHODS = {"HEAD", "OPTIONS"}
# Views that send their own policy, and why (the hook adds frame-ancestors to it).
OWN_POLICY = {
    "notifications.message": "a captured email's HTML, in a sandboxed srcdoc frame, keeps its inline styles",
}
# An id argument whose table is not named after it.
ID_TABLES = {
    "action_id": "action_item",
    "amendment_id": "amendment",
    "change_id": "amendment_change",
    "document_id": "contract_document",
    "epci_id": "intercommunality",
    "message_id": "outbox_message",
    "opt_out_id": "reminder_opt_out",
    "project_id": "project_sheet",
    "scan_id": "attendance_scan",
    "section_id": "minutes_section",
    "signatory_id": "contract_signatory",
}
MENDE = "48095"
MAIL_NAME = "message-de-test.eml"


@dataclass
class Walk:
    """What the walk saw: the problems, and the status codes (to show that real pages were reached)."""

    problems: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)


class InlineCode(HTMLParser):
    """What a page holds that a CSP without 'unsafe-inline' would block."""

    def __init__(self, nonce: str | None) -> None:
        super().__init__()
        self.nonce = nonce
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "script" and not named.get("src"):
            self.found.append("<script> inline")
        if tag == "style" and (self.nonce is None or named.get("nonce") != self.nonce):
            self.found.append("<style> without the nonce of the policy")
        for name, _ in attrs:
            if name.startswith("on") or name == "style":
                self.found.append(f'{name}="…" on <{tag}>')


def _table(argument: str) -> Table | None:
    name = ID_TABLES.get(argument, argument.removesuffix("_id"))
    return db.metadata.tables.get(name) if argument.endswith("_id") else None


def _ids(rule: Rule) -> dict[str, Any]:
    """Real ids for the rule's id arguments: from the first row of the table that names all the others
    (a decision and its meeting), else the first row of each table."""
    names = sorted(n for n in rule.arguments if n.endswith("_id"))
    for name in names:
        table = _table(name)
        others = [n for n in names if n != name]
        if table is not None and all(n in table.c for n in others):
            row = db.session.execute(select(table).order_by(table.c.id).limit(1)).first()
            if row is not None:
                return {name: row.id, **{n: row._mapping[n] for n in others}}
    found: dict[str, Any] = {}
    for name in names:
        table = _table(name)
        first = (
            db.session.scalar(select(table.c.id).order_by(table.c.id).limit(1)) if table is not None else None
        )
        if first is not None:
            found[name] = first
    return found


def real_url(app: Flask, rule: Rule, answer_token: str) -> str:
    """The rule's URL with real values (the placeholder of tests/test_security.py for what has none)."""
    invitation = db.session.scalar(select(Invitation).order_by(Invitation.id))
    assert invitation is not None
    secret = app.config["SECRET_KEY"]
    values: dict[str, Any] = {
        "insee": MENDE,
        "insee_code": MENDE,
        "siren": GEVAUDAN,
        "name": MAIL_NAME,
        "index": 0,
        "number": 1,
        "filename": "css/bootstrap.min.css" if rule.endpoint == "bootstrap.static" else "app.css",
        "token": person_feed_token(secret, invitation.person_id)
        if rule.rule.startswith("/flux/")
        else answer_token,
        "invitation_id": invitation.id,
        "code": short_code(secret, invitation.id),
    }
    values.update(_ids(rule))
    if not set(rule.arguments) <= set(values):
        return url_for_rule(rule)
    return rule.build({name: values[name] for name in rule.arguments}, append_unknown=False)[1]  # type: ignore[index]


def header_problems(endpoint: str, url: str, response: TestResponse) -> list[str]:
    """What is wrong with the response's headers, and with its HTML if it is a page."""
    problems = []
    policy = response.headers.get("Content-Security-Policy", "")
    if "frame-ancestors 'none'" not in policy:
        problems.append(f"CSP without frame-ancestors 'none': {policy!r}")
    if response.headers.get("X-Frame-Options") != "DENY":
        problems.append("X-Frame-Options is not DENY")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("X-Content-Type-Options is not nosniff")
    expected = "no-referrer" if url.startswith(tuple(PUBLIC_PREFIXES)) else "same-origin"
    if response.headers.get("Referrer-Policy") != expected:
        problems.append(f"Referrer-Policy {response.headers.get('Referrer-Policy')!r}, not {expected!r}")
    if "Strict-Transport-Security" in response.headers:
        problems.append("HSTS outside production")
    if response.mimetype == "text/html" and endpoint not in OWN_POLICY:
        directives = dict(d.strip().partition(" ")[::2] for d in policy.split(";"))
        if directives.get("script-src") != "'self'":
            problems.append(f"script-src is {directives.get('script-src')!r}")
        if "'unsafe-inline'" in directives.get("style-src", "'unsafe-inline'"):
            problems.append(f"style-src is {directives.get('style-src')!r}")
        nonce = re.search(r"'nonce-([^']+)'", directives.get("style-src", ""))
        parser = InlineCode(nonce.group(1) if nonce else None)
        parser.feed(response.get_data(as_text=True))
        problems.extend(parser.found)
    return [f"{response.request.method} {url} ({endpoint}, {response.status_code}): {p}" for p in problems]


def walk(app: Flask, client: FlaskClient, answer_token: str) -> Walk:
    seen = Walk()
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        methods = sorted((rule.methods or set()) - IGNORED_METHODS)
        method = "GET" if "GET" in methods else methods[0]
        with app.app_context():
            # A write is sent to the placeholder URL, without a token: it can only be refused.
            url = real_url(app, rule, answer_token) if method == "GET" else url_for_rule(rule)
        response = client.open(url, method=method)
        seen.statuses[response.status_code] += 1
        seen.problems.extend(header_problems(rule.endpoint, url, response))
    # Errors that no rule names: an unknown address, a method the route does not take.
    for method, url in (("GET", "/nulle-part"), ("GET", "/deconnexion"), ("GET", "/api/v1/nulle-part")):
        response = client.open(url, method=method)
        seen.statuses[response.status_code] += 1
        seen.problems.extend(header_problems("(none)", url, response))
    return seen


@pytest.fixture(scope="module")
def site(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, str]]:
    mail_dir = tmp_path_factory.mktemp("mail")
    site = open_site(database_url, str(mail_dir))
    try:
        open_link = scripted_journey(site)[0]
        result = site.app.test_cli_runner().invoke(args=["contracts", "demo"])
        assert result.exit_code == 0, result.output
        with site.app.app_context():
            # One captured email for the mailbox pages: the first the journey wrote.
            (Path(mail_dir) / MAIL_NAME).write_bytes(next(outbox()).raw)
        yield site, open_link.removeprefix("/r/")
    finally:
        close_site(site)


def test_the_secret_prefixes_are_the_public_ones_of_test_security() -> None:
    assert set(SECRET_URL_PREFIXES) == set(PUBLIC_PREFIXES)


@pytest.mark.parametrize(
    "role", [None, UserRole.ORGANISATEUR, UserRole.ADMIN], ids=lambda r: getattr(r, "value", "anonyme")
)
def test_every_route_sends_the_security_headers(site: tuple[Site, str], role: UserRole | None) -> None:
    app, token = site[0].app, site[1]
    client = app.test_client() if role is None else site[0].browsers[role].client
    seen = walk(app, client, token)
    assert not seen.problems, "\n".join(seen.problems)
    # Real pages were reached, and refusals, redirects and errors of every kind.
    expected = {200, 302, 400, 401, 404, 405} if role is None else {200, 303, 400, 401, 404, 405}
    assert expected <= set(seen.statuses), seen.statuses
    if role is UserRole.ADMIN:
        assert seen.statuses[200] >= 60, seen.statuses


def test_the_answer_page_cannot_be_framed(site: tuple[Site, str]) -> None:
    app, token = site[0].app, site[1]
    page = app.test_client().get(f"/r/{token}")
    assert page.status_code == 200 and "Envoyer ma réponse" in page.get_data(as_text=True)
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_an_answer_posted_over_https_without_referer_is_recorded(site: tuple[Site, str]) -> None:
    """The answer page sends no Referer, which Flask-WTF's HTTPS check would take for a forged post."""
    app, token = site[0].app, site[1]
    client = app.test_client()
    page = client.get(f"/r/{token}", base_url="https://localhost")
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    assert csrf is not None
    sent = {"csrf_token": csrf.group(1), "answer": "present"}
    answered = client.post(f"/r/{token}", data=sent, base_url="https://localhost")
    assert answered.status_code == 303
    # Its own token is still checked; and the organiser's forms keep the referrer check.
    forged = client.post(f"/r/{token}", data={"answer": "absent"}, base_url="https://localhost")
    assert forged.status_code == 422
    organiser = site[0].organiser

    def post(**headers: str) -> int:
        return organiser.client.post(
            "/reunions/nouvelle",
            data={"csrf_token": organiser.token},
            base_url="https://localhost",
            headers=headers,
        ).status_code

    assert post() == 400
    assert post(Referer="https://localhost/reunions/nouvelle") == 422


def test_each_response_has_its_own_nonce(site: tuple[Site, str]) -> None:
    app, organiser = site[0].app, site[0].organiser.client
    with app.app_context():
        meeting_id = db.session.scalar(select(Invitation.meeting_id).order_by(Invitation.id))
    pages = [organiser.get(f"/reunions/{meeting_id}/invitations") for _ in range(2)]
    nonces = [re.search(r"'nonce-([^']+)'", p.headers["Content-Security-Policy"]) for p in pages]
    assert all(n is not None for n in nonces)
    assert nonces[0].group(1) != nonces[1].group(1)  # type: ignore[union-attr]
    assert f'nonce="{nonces[1].group(1)}"' in pages[1].get_data(as_text=True)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("config", "hsts"),
    [(Config, True), (DevelopmentConfig, False), (TestConfig, False)],
    ids=lambda c: str(c),
)
def test_hsts_in_production_only(config: type[Config], hsts: bool, tmp_path: Path) -> None:
    app = create_app(
        config, SECRET_KEY="x" * 32, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'db.sqlite'}"
    )
    response = app.test_client().get("/connexion")
    if hsts:
        assert response.headers["Strict-Transport-Security"] == f"max-age={365 * 24 * 3600}"
    else:
        assert "Strict-Transport-Security" not in response.headers
