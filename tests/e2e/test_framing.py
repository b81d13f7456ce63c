"""The élu's answer page, opened inside a frame of another site, is refused by the browser."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from flask import Flask

from concertation.extensions import db
from concertation.invitations import services as invitations
from concertation.invitations.tokens import rsvp_url
from concertation.notifications.emails import MailContext
from tests.common import db as f
from tests.common.browser import PHONE, CspWatch

pytestmark = pytest.mark.e2e


@pytest.fixture()
def other_site() -> Iterator[tuple[str, dict[str, str]]]:
    """Another origin (another port of the machine) serving, without any policy, the page it is given."""
    served = {"page": ""}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = served["page"].encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/", served
    finally:
        server.shutdown()
        thread.join(10)


def test_another_site_cannot_frame_the_answer_page(
    app: Flask,
    lozere: None,
    live_server: str,
    browser: object,
    csp: CspWatch,
    other_site: tuple[str, dict[str, str]],
) -> None:
    f.gevaudan_elus(without_email=0)
    meeting = f.meeting("concertation", siren="244800470")
    db.session.commit()
    invitations.convoke(meeting, MailContext.from_config(app.config))
    db.session.commit()
    invitation = invitations.invitations_of(meeting)[0]
    answer_url = rsvp_url(MailContext.from_config(app.config), invitation.id, meeting.id)

    context = browser.new_context(**PHONE)  # type: ignore[attr-defined]
    page = csp.watch(context.new_page())
    page.goto(answer_url)  # the page itself opens, without any violation
    assert "Envoyer ma réponse" in page.locator("main").inner_text()
    assert csp.violations == []

    trap, served = other_site
    served["page"] = f'<!doctype html><title>Piège</title><iframe id="piege" src="{answer_url}"></iframe>'
    page.goto(trap)
    page.wait_for_timeout(1000)
    framed = page.frames[1]
    assert "Envoyer ma réponse" not in framed.evaluate("document.documentElement.innerText")
    assert any("frame-ancestors 'none'" in v for v in csp.violations), csp.violations
    context.close()
