"""Email bodies (notifications/bodies.py): both parts from the pair of templates, the HTML one escaped."""

from __future__ import annotations

from types import SimpleNamespace

from flask import Flask

from concertation.notifications.bodies import EmailBody, EmailTemplates, render_body


def test_both_bodies_come_from_the_pair_of_templates(app: Flask) -> None:
    context = {"user": SimpleNamespace(email="a&b@lozere.fr"), "link_url": "https://x/mdp/abc", "hours": 48}
    with app.app_context():
        body = render_body("password_reset", context)
        again = EmailTemplates("password_reset").render(context)
    assert isinstance(body, EmailBody) and body == again
    assert "pour le compte a&b@lozere.fr" in body.text
    assert "https://x/mdp/abc" in body.text and "48 heures" in body.text
    assert "a&amp;b@lozere.fr" in body.html and "a&b@lozere.fr" not in body.html
