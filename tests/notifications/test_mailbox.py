"""The development SMTP catcher and the organiser's mailbox pages."""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient

from concertation.accounts.models import User, UserRole
from concertation.notifications.catcher import start_catcher, store_message
from concertation.notifications.mailbox import list_messages
from tests.common.smtp import free_port

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"


def _invitation() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "concertation@lozere.fr"
    message["To"] = "maire@example.org"
    message["Subject"] = "Convocation : Concertation territoriale du Gévaudan"
    message.set_content("Madame, Monsieur,\nvous êtes invité·e.")
    message.add_alternative(
        '<p>Madame, Monsieur, <b>invitation</b></p><script>alert("x")</script><img src="https://t.example/p.gif">',
        subtype="html",
    )
    message.add_attachment(ICS, maintype="text", subtype="calendar", filename="invitation.ics")
    return message


@pytest.fixture()
def mail_dir(app: Flask) -> Path:
    return Path(app.config["MAIL_CATCHER_DIR"])


@pytest.fixture()
def catcher(mail_dir: Path) -> Iterator[tuple[str, int]]:
    """The real catcher handler behind aiosmtpd on a free loopback port."""
    port = free_port()
    controller: Controller = start_catcher("127.0.0.1", port, mail_dir)
    try:
        yield "127.0.0.1", port
    finally:
        controller.stop()


def _send(server: tuple[str, int], message: EmailMessage, bcc: str | None = None) -> None:
    with smtplib.SMTP(*server, timeout=10) as smtp:
        recipients = [message["To"]] + ([bcc] if bcc else [])
        smtp.send_message(message, to_addrs=recipients)


def test_catcher_stores_each_message_as_an_eml_file(catcher: tuple[str, int], mail_dir: Path) -> None:
    _send(catcher, _invitation(), bcc="cache@example.org")
    files = sorted(mail_dir.iterdir())
    assert len(files) == 1 and files[0].suffix == ".eml"
    raw = files[0].read_bytes()
    assert b"Subject: Convocation" in raw
    assert b"X-Envelope-To: maire@example.org, cache@example.org" in raw
    assert b"BEGIN:VCALENDAR" not in raw  # base64 in the attachment, as sent


def test_store_message_names_sort_by_reception_time(tmp_path: Path) -> None:
    base = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    later = store_message(tmp_path, b"Subject: b\r\n\r\nb", base + timedelta(microseconds=1))
    earlier = store_message(tmp_path, b"Subject: a\r\n\r\na", base)
    assert sorted(p.name for p in tmp_path.iterdir()) == [earlier.name, later.name]
    assert [m.subject for m in list_messages(tmp_path)] == ["b", "a"]
    assert list_messages(tmp_path)[0].received_at == base + timedelta(microseconds=1)


def test_mailbox_lists_and_shows_a_captured_message(
    client: FlaskClient, login: Callable[..., User], catcher: tuple[str, int], mail_dir: Path
) -> None:
    _send(catcher, _invitation())
    login(UserRole.ORGANISATEUR)

    page = client.get("/courriels/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Convocation : Concertation territoriale du Gévaudan" in html
    assert "maire@example.org" in html
    name = next(mail_dir.iterdir()).name
    assert f"/courriels/{name}" in html

    detail = client.get(f"/courriels/{name}")
    assert detail.status_code == 200
    assert "Content-Security-Policy" in detail.headers
    body = detail.get_data(as_text=True)
    assert "vous êtes invité·e." in body
    assert "<iframe" in body and " sandbox " in body and "allow-scripts" not in body
    # The mail's HTML is only inside srcdoc, escaped: never live markup of our page.
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert" in body
    assert "invitation.ics" in body

    assert f"/courriels/{name}/pieces/0" in body
    ics = client.get(f"/courriels/{name}/pieces/0")
    assert ics.status_code == 200
    assert ics.data == ICS
    assert ics.mimetype == "text/calendar"
    assert "attachment" in ics.headers["Content-Disposition"]

    raw = client.get(f"/courriels/{name}/brut")
    assert raw.status_code == 200
    assert b"Subject: Convocation" in raw.data


def test_mailbox_is_for_organisers(client: FlaskClient, login: Callable[..., User], mail_dir: Path) -> None:
    assert client.get("/courriels/").status_code == 302  # anonymous: to the login page
    store_message(mail_dir, b"Subject: x\r\n\r\nx")
    name = next(mail_dir.iterdir()).name
    login(UserRole.LECTEUR)
    assert client.get("/courriels/").status_code == 403
    assert client.get(f"/courriels/{name}").status_code == 403
    assert client.get(f"/courriels/{name}/brut").status_code == 403


@pytest.mark.parametrize(
    "name",
    [
        "..%2Fsecret.eml",
        "..%2F..%2Fetc%2Fpasswd",
        "%2Fetc%2Fpasswd",
        ".incoming-x.eml",
        "notes.txt",
        "20990101T000000000000Z-00000000.eml",
    ],
)
def test_mailbox_rejects_names_outside_the_listing(
    client: FlaskClient, login: Callable[..., User], mail_dir: Path, name: str
) -> None:
    store_message(mail_dir, b"Subject: x\r\n\r\nx")
    (mail_dir.parent / "secret.eml").write_bytes(b"Subject: secret\r\n\r\nsecret")
    (mail_dir / "notes.txt").write_text("not a message")
    (mail_dir / ".incoming-x.eml").write_bytes(b"Subject: partial\r\n\r\n")
    login(UserRole.ORGANISATEUR)
    for url in (f"/courriels/{name}", f"/courriels/{name}/brut", f"/courriels/{name}/pieces/0"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"secret" not in response.data


def test_mailbox_without_catcher_says_where_mail_goes(
    app: Flask, client: FlaskClient, login: Callable[..., User]
) -> None:
    app.config.update(MAIL_CATCHER_DIR="/nonexistent/mail", MAIL_SERVER="smtp.lozere.fr")
    login(UserRole.ORGANISATEUR)
    page = client.get("/courriels/")
    assert page.status_code == 200
    assert "serveur SMTP configuré" in page.get_data(as_text=True)
    assert "smtp.lozere.fr" in page.get_data(as_text=True)
    assert client.get("/courriels/20260101T000000000000Z-00000000.eml").status_code == 404
