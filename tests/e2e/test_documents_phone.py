"""The organiser tells the invitees of a new document; the élu opens it on a phone from the email, in a real
browser against a real server and SMTP."""

from __future__ import annotations

import email
import email.policy
import hashlib
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

from concertation.accounts.models import User, UserRole
from concertation.extensions import db
from concertation.meetings.models import DocumentKind, MeetingDocument
from concertation.notifications.models import MessageKind, OutboxMessage
from tests.common.browser import PHONE, CspWatch, Shots, login
from tests.common.documents import (
    PDF,
    convoked_with_documents,
    deliver,
    document_paths,
    text_of,
    use_folder,
)
from tests.common.smtp import SmtpSink

pytestmark = pytest.mark.e2e


def test_the_organiser_attaches_regenerates_notifies_and_the_elu_opens_it_on_a_phone(
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
    organiser = make_user(UserRole.ORGANISATEUR)
    db.session.commit()
    deliver(app)
    base = live_server
    study = tmp_path / "Étude de faisabilité d'Aumont.pdf"
    study.write_bytes(PDF + b"%etude")

    desk = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = csp.watch(desk.new_page())
    login(page, base, organiser)
    # After the convocation, the organiser attaches a PDF and regenerates the dossier from the data.
    page.goto(f"{base}/reunions/{meeting.id}")
    documents_panel = page.locator("#documents")
    documents_panel.get_by_label("Titre", exact=True).fill("Étude de faisabilité")
    documents_panel.get_by_label("Fichier", exact=True).set_input_files(str(study))
    documents_panel.get_by_role("button", name="Joindre").click()
    page.wait_for_url(f"{base}/reunions/{meeting.id}*")
    assert "Étude de faisabilité" in page.locator("#documents").inner_text()
    page.locator("#dossier").get_by_role("button", name="Générer le dossier de séance").click()
    page.wait_for_url(f"{base}/reunions/{meeting.id}*")
    versions = page.locator("#dossier tbody tr")
    assert versions.count() == 2 and "actuelle" in versions.first.inner_text()
    shots.take(page, "piece-et-dossier")
    piece = db.session.scalars(
        select(MeetingDocument).where(MeetingDocument.title == "Étude de faisabilité")
    ).one()

    desk = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = csp.watch(desk.new_page())
    login(page, base, organiser)
    page.goto(f"{base}/reunions/{meeting.id}/invitations")
    panel = page.locator("#documents-nouveaux")
    assert "2 document(s) nouveau(x) non signalé(s) aux invités" in panel.inner_text()
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
    # The news first (the new dossier version, the new piece), then every current document.
    text = text_of(message)
    assert "Dossier de séance" in text and "version 2" in text, text
    links = document_paths(text)
    assert any(link.endswith(f"/documents/{piece.id}") for link in links), links
    listing = links[0].rsplit("/", 1)[0]
    dossier = db.session.scalars(
        select(MeetingDocument)
        .where(MeetingDocument.meeting_id == meeting.id, MeetingDocument.kind == DocumentKind.DOSSIER)
        .order_by(MeetingDocument.version.desc())
    ).first()
    assert dossier is not None and dossier.version == 2

    phone = browser.new_context(**PHONE, accept_downloads=True)  # type: ignore[attr-defined]
    mobile = csp.watch(phone.new_page())
    mobile.goto(base + listing)
    shots.take(mobile, "documents-telephone")
    link = mobile.get_by_role("link", name="Étude de faisabilité")
    assert urlsplit(link.get_attribute("href")).path.endswith(f"/documents/{piece.id}")
    # Tappable on a phone: a touch target of at least 24 px high.
    box = link.bounding_box()
    assert box is not None and box["height"] >= 24
    # A PDF opens in the phone's own viewer (inline), byte for byte what the organiser attached.
    attached = mobile.request.get(base + urlsplit(link.get_attribute("href")).path)
    assert attached.status == 200 and attached.body() == study.read_bytes()
    assert attached.headers["content-disposition"].startswith("inline;")
    assert attached.headers["referrer-policy"] == "no-referrer"
    # The regenerated dossier, as generated (its SHA-256 is the one recorded).
    served = mobile.request.get(f"{base}{listing}/{dossier.id}")
    assert served.status == 200 and hashlib.sha256(served.body()).hexdigest() == dossier.sha256
    assert served.body().startswith(b"%PDF")
    phone.close()
    assert csp.violations == []
