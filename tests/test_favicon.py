"""`/favicon.ico`: browsers ask for it on every site; it is served, public, and the pages link to it."""

from __future__ import annotations

import re

from flask.testing import FlaskClient


def test_favicon_is_served_without_logging_in(client: FlaskClient) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.content_type == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file's header


def test_pages_link_to_the_icons(client: FlaskClient) -> None:
    page = client.get("/connexion").get_data(as_text=True)
    icons = re.findall(r'<link rel="icon" href="([^"]+)"', page)
    assert icons == ["/static/favicon.svg", "/favicon.ico"]
    svg = client.get(icons[0])
    assert svg.status_code == 200 and svg.content_type.startswith("image/svg+xml")
    assert b"<svg" in svg.data
