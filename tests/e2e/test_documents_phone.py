"""The organiser tells the invitees of a new document; the élu opens it on a phone from the email, in a real
browser against a real server and SMTP."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask

from concertation.accounts.models import User, UserRole
from concertation.extensions import db
from concertation.notifications.models import MessageKind, OutboxMessage
from tests.common.browser import PHONE, CspWatch, Shots, login
from tests.common.documents import (
    ODT,
    PDF,
    add_document,
    convoked_with_documents,
    deliver,
    document_paths,
    text_of,
    use_folder,
)
from tests.common.smtp import SmtpSink

pytestmark = pytest.mark.e2e


def test_the_organiser_notifies_and_the_elu_opens_the_document_on_a_phone(
    app: Flask,
    lozere: None,
    live_server: str,
    browser: object,
    smtp_server: SmtpSink,
    make_user: Callable[..., User],
    shots: Shots,
    csp: CspWatch,
    tmp_path: Path,
) -> None:
    use_folder(app, tmp_path / "reunions")
    meeting, _ = convoked_with_documents(app)
    piece = add_document(app, meeting, title="Étude de faisabilité", filename="étude.odt", content=ODT + b"!")
    organiser = make_user(UserRole.ORGANISATEUR)
    db.session.commit()
    deliver(app)
    base = live_server

    desk = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = csp.watch(desk.new_page())
    login(page, base, organiser)
    page.goto(f"{base}/reunions/{meeting.id}/invitations")
    panel = page.locator("#documents-nouveaux")
    assert "1 document(s) nouveau(x) non signalé(s) aux invités" in panel.inner_text()
    shots.take(page, "nouveaux-documents")
    panel.get_by_role("button", name="Prévenir les invités").click()
    page.wait_for_url(f"{base}/reunions/{meeting.id}/invitations")
    assert "Invités prévenus" in page.content()
    assert page.locator("#documents-nouveaux").count() == 0
    shots.take(page, "invites-prevenus")
    desk.close()

    before = len(smtp_server.messages)
    deliver(app)
    assert (
        len(smtp_server.messages) - before
        == db.session.query(OutboxMessage).filter_by(kind=MessageKind.DOCUMENTS).count()
    )
    message = email.message_from_bytes(smtp_server.messages[-1][2], policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    # The news first (the new piece), then every current document (the dossier first).
    links = document_paths(text_of(message))
    assert links[0].endswith(f"/documents/{piece.id}")
    listing, dossier_path = links[0].rsplit("/", 1)[0], links[1]

    phone = browser.new_context(**PHONE, accept_downloads=True)  # type: ignore[attr-defined]
    mobile = csp.watch(phone.new_page())
    mobile.goto(base + listing)
    shots.take(mobile, "documents-telephone")
    link = mobile.get_by_role("link", name="Étude de faisabilité")
    assert urlsplit(link.get_attribute("href")).path.endswith(f"/documents/{piece.id}")
    # Tappable on a phone: a touch target of at least 24 px high.
    box = link.bounding_box()
    assert box is not None and box["height"] >= 24
    with mobile.expect_download() as download:
        link.tap()
    saved = tmp_path / "recu.odt"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "étude.odt"
    assert saved.read_bytes() == ODT + b"!"
    # The dossier (PDF) is served inline to the phone's viewer, byte for byte.
    dossier = mobile.request.get(base + dossier_path)
    assert dossier.status == 200 and dossier.body() == PDF
    assert dossier.headers["content-disposition"].startswith("inline;")
    assert dossier.headers["referrer-policy"] == "no-referrer"
    phone.close()
    assert csp.violations == []
