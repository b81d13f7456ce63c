"""The meeting's documents reach the invitees through personal signed links (under /r/<token>), from the
invitation email received by a real SMTP server, on the answer page, and nowhere without the link."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from werkzeug.routing import Rule

from concertation.accounts.models import User
from concertation.extensions import db
from concertation.invitations import documents as invitee_documents
from concertation.invitations import services, tokens
from concertation.invitations.models import Channel
from concertation.meetings import invitees as meeting_invitees
from concertation.meetings import services as meeting_services
from concertation.meetings.documents import document_path, documents_folder
from concertation.meetings.models import DocumentKind, Meeting, MeetingDocument, MeetingStatus
from concertation.notifications.emails import MailContext
from tests.common import db as f
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
from tests.common.smtp import SmtpSink, mail_to


@pytest.fixture(autouse=True)
def _folder(app: Flask, tmp_path: Path) -> None:
    use_folder(app, tmp_path / "reunions")


def _answer_link(app: Flask, invitation_id: int, meeting_id: int) -> str:
    return urlsplit(tokens.rsvp_url(MailContext.from_config(app.config), invitation_id, meeting_id)).path


def _emailed(meeting: Meeting) -> list[str]:
    return [i.email or "" for i in services.invitations_of(meeting) if i.channel == Channel.EMAIL]


def test_the_invitation_email_links_each_document_and_the_link_serves_its_bytes(
    app: Flask, client: FlaskClient, lozere: None, smtp_server: SmtpSink
) -> None:
    meeting, (dossier, piece) = convoked_with_documents(app)
    deliver(app)
    message = mail_to(smtp_server, _emailed(meeting)[0])
    text = text_of(message)
    assert "Dossier de séance (version 1)" in text and "Compte rendu de l'été" in text
    paths = document_paths(text)
    assert [p.rsplit("/", 1)[1] for p in paths] == [str(dossier.id), str(piece.id)]
    # The HTML part carries the same links; nothing is attached but the calendar object.
    assert all(p in text_of(message, "html") for p in paths)
    attached = [part.get_content_type() for part in message.iter_attachments()]
    assert attached == ["application/ics"]

    pdf = client.get(paths[0])
    assert pdf.status_code == 200
    assert pdf.data == PDF
    assert pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"] == "inline; filename=dossier-seance.pdf"
    assert pdf.headers["Cache-Control"] == "private, no-cache"
    assert pdf.headers["X-Content-Type-Options"] == "nosniff"
    assert pdf.headers["Referrer-Policy"] == "no-referrer"

    odt = client.get(paths[1])
    assert odt.status_code == 200
    assert odt.data == ODT
    assert odt.headers["Content-Disposition"] == (
        "attachment; filename=compte-rendu-ete.odt; filename*=UTF-8''compte-rendu-%C3%A9t%C3%A9.odt"
    )
    # The list page under the same link, for a phone.
    listing = client.get(paths[0].rsplit("/", 1)[0])
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert 'name="viewport"' in html
    assert "Compte rendu de l&#39;été" in html and paths[1] in html
    assert listing.headers["Referrer-Policy"] == "no-referrer"


def test_the_answer_page_lists_the_documents_in_french(app: Flask, client: FlaskClient, lozere: None) -> None:
    meeting, (dossier, piece) = convoked_with_documents(app)
    invitation = services.invitations_of(meeting)[0]
    link = _answer_link(app, invitation.id, meeting.id)
    html = client.get(link).get_data(as_text=True)
    assert "Documents de la réunion" in html
    assert f'href="{link}/documents/{dossier.id}"' in html
    assert f'href="{link}/documents/{piece.id}"' in html
    assert "Dossier de séance (version 1)" in html and "Pièce jointe" in html
    assert "2,0\u00a0ko" in html  # the PDF: 2 085 octets
    assert "ajouté le " in html


def test_a_meeting_without_documents_lists_none(app: Flask, client: FlaskClient, lozere: None) -> None:
    f.gevaudan_elus()
    meeting = f.meeting("concertation", siren="244800470", starts_at=f.paris(2027, 3, 9, 14))
    db.session.commit()
    services.convoke(meeting, MailContext.from_config(app.config))
    db.session.commit()
    link = _answer_link(app, services.invitations_of(meeting)[0].id, meeting.id)
    assert "Documents de la réunion" not in client.get(link).get_data(as_text=True)
    assert "Aucun document" in client.get(link + "/documents").get_data(as_text=True)


@pytest.mark.parametrize(
    ("created_at", "label"),
    [
        # 25 October 2026: 02:30 comes twice in Paris, before (UTC+2) and after (UTC+1) the change.
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "dimanche 25 octobre 2026 à 2 h 30"),
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "dimanche 25 octobre 2026 à 2 h 30"),
        (datetime(2026, 10, 24, 22, 30, tzinfo=UTC), "dimanche 25 octobre 2026 à 0 h 30"),
        # 29 March 2026: 02:00 does not exist, 01:30 UTC is 03:30 summer time.
        (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "dimanche 29 mars 2026 à 3 h 30"),
        (datetime(2026, 2, 28, 23, 30, tzinfo=UTC), "dimanche 1er mars 2026 à 0 h 30"),
    ],
)
def test_dates_on_dst_days_are_written_in_paris_time(
    app: Flask, client: FlaskClient, lozere: None, created_at: datetime, label: str
) -> None:
    assert invitee_documents.added_label(created_at) == label
    meeting, (dossier, _) = convoked_with_documents(app)
    dossier.created_at = created_at
    db.session.commit()
    link = _answer_link(app, services.invitations_of(meeting)[0].id, meeting.id)
    assert f"ajouté le {label}" in client.get(link + "/documents").get_data(as_text=True)


def test_a_removed_invitee_loses_access(app: Flask, client: FlaskClient, lozere: None) -> None:
    meeting, (dossier, _) = convoked_with_documents(app)
    invitation = next(i for i in services.invitations_of(meeting) if i.channel == Channel.EMAIL)
    link = _answer_link(app, invitation.id, meeting.id)
    assert client.get(f"{link}/documents/{dossier.id}").status_code == 200
    meeting_invitees.remove_invitee(meeting, invitation.person, "Démission", None)
    db.session.commit()
    for path in (f"{link}/documents/{dossier.id}", f"{link}/documents", link):
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 404, path
        assert response.data != PDF
    refused = client.get(f"{link}/documents/{dossier.id}").get_data(as_text=True)
    assert "Documents indisponibles" in refused and "pas valide" in refused


def test_a_link_of_one_meeting_cannot_read_another_meetings_document(
    app: Flask, client: FlaskClient, lozere: None
) -> None:
    meeting, _ = convoked_with_documents(app)
    other = f.meeting("concertation", siren="244800470", starts_at=f.paris(2027, 4, 6, 14), title="Autre")
    db.session.commit()
    foreign = add_document(app, other, title="Confidentiel", content=b"%PDF-1.4 secret")
    link = _answer_link(app, services.invitations_of(meeting)[0].id, meeting.id)
    response = client.get(f"{link}/documents/{foreign.id}")
    assert response.status_code == 404
    assert b"secret" not in response.data
    assert client.get(f"{link}/documents/999999").status_code == 404
    assert client.get(f"{link}/documents/99999999999999").status_code == 404
    # A token naming the other meeting with this invitation is refused as well.
    forged = _answer_link(app, services.invitations_of(meeting)[0].id, other.id)
    assert client.get(f"{forged}/documents/{foreign.id}").status_code == 404


def test_altered_and_expired_links_are_refused_in_french(
    app: Flask, client: FlaskClient, lozere: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    meeting, (dossier, _) = convoked_with_documents(app)
    link = _answer_link(app, services.invitations_of(meeting)[0].id, meeting.id)
    altered = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    response = client.get(f"{altered}/documents/{dossier.id}")
    assert response.status_code == 404
    assert "n&#39;est pas valide" in response.get_data(as_text=True)
    monkeypatch.setattr(tokens, "MAX_AGE_SECONDS", -1)
    expired = client.get(f"{link}/documents/{dossier.id}")
    assert expired.status_code == 410
    assert "expiré" in expired.get_data(as_text=True)


def test_an_anonymous_visitor_without_the_link_gets_nothing(
    app: Flask, client: FlaskClient, lozere: None, login: Callable[..., User]
) -> None:
    """Every GET page naming a meeting or a document, asked without the link nor an account, shows
    neither a document's title nor its bytes (the organisers' pages ask for a login)."""
    meeting, documents = convoked_with_documents(app)
    secrets = [d.title for d in documents] + [d.title.replace("'", "&#39;") for d in documents]

    adapter = app.url_map.bind("localhost")
    known = {
        "meeting_id": meeting.id,
        "document_id": documents[0].id,
        "doc_id": documents[0].id,
        "version": 1,
    }

    def fill(rule: Rule) -> str | None:
        if not set(rule.arguments) <= set(known) or rule.endpoint == "static":
            return None
        return adapter.build(rule.endpoint, {name: known[name] for name in rule.arguments})

    paths = [
        path
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and (path := fill(rule)) is not None
    ]
    assert f"/reunions/{meeting.id}/invitations" in paths
    for path in paths:
        response = client.get(path)
        body = response.get_data()
        assert PDF not in body and ODT not in body, path
        assert not any(s.encode() in body for s in secrets), path
    for path in ("/r/documents", "/r/x/documents", f"/r/x/documents/{documents[0].id}", "/r//documents"):
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 404, path
        assert response.data != PDF


def test_documents_are_archived_when_the_meeting_is_cancelled(
    app: Flask, client: FlaskClient, lozere: None
) -> None:
    meeting, (dossier, _) = convoked_with_documents(app)
    link = _answer_link(app, services.invitations_of(meeting)[0].id, meeting.id)
    meeting_services.cancel_meeting(meeting)
    db.session.commit()
    response = client.get(f"{link}/documents/{dossier.id}")
    assert response.status_code == 410
    assert "annulée" in response.get_data(as_text=True)
    assert client.get(f"{link}/documents").status_code == 410
    # The closed answer page lists nothing any more.
    assert f"/documents/{dossier.id}" not in client.get(link).get_data(as_text=True)


def test_documents_stay_online_after_the_meeting_until_the_archiving_delay(
    app: Flask, client: FlaskClient, lozere: None
) -> None:
    meeting, (dossier, _) = convoked_with_documents(app)
    link = _answer_link(app, services.invitations_of(meeting)[0].id, meeting.id)
    days = app.config["DOCUMENT_LINK_DAYS"]
    assert days == invitee_documents.DEFAULT_LINK_DAYS
    # Held ten days ago: answers closed, the documents still there (minutes to prepare, to approve).
    meeting.starts_at = datetime.now(UTC) - timedelta(days=10, hours=3)
    meeting.ends_at = datetime.now(UTC) - timedelta(days=10)
    meeting.status = MeetingStatus.TENUE
    db.session.commit()
    page = client.get(link).get_data(as_text=True)
    assert "closes" in page and f"/documents/{dossier.id}" in page
    assert client.get(f"{link}/documents/{dossier.id}").data == PDF
    # Past the delay: archived, 410 with a French page.
    meeting.starts_at -= timedelta(days=days)
    meeting.ends_at -= timedelta(days=days)
    db.session.commit()
    response = client.get(f"{link}/documents/{dossier.id}")
    assert response.status_code == 410
    assert "archivés" in response.get_data(as_text=True)
    assert "sur demande" in response.get_data(as_text=True)
    assert f"/documents/{dossier.id}" not in client.get(link).get_data(as_text=True)


def test_a_notified_dossier_version_stays_readable_after_a_new_one(
    app: Flask, client: FlaskClient, lozere: None
) -> None:
    meeting, (first, _) = convoked_with_documents(app)
    link = _answer_link(app, services.invitations_of(meeting)[0].id, meeting.id)
    second = add_document(
        app,
        meeting,
        kind=DocumentKind.DOSSIER,
        title="Dossier",
        filename="dossier-v2.pdf",
        content=PDF + b"v2",
    )
    third = add_document(
        app,
        meeting,
        kind=DocumentKind.DOSSIER,
        title="Dossier",
        filename="dossier-v3.pdf",
        content=PDF + b"v3",
    )
    # v1 was sent with the convocation, v3 is current; v2 was never sent to anybody.
    assert client.get(f"{link}/documents/{first.id}").data == PDF
    assert client.get(f"{link}/documents/{third.id}").data == PDF + b"v3"
    assert client.get(f"{link}/documents/{second.id}").status_code == 404
    listed = client.get(f"{link}/documents").get_data(as_text=True)
    assert f"/documents/{third.id}" in listed and f"/documents/{first.id}" not in listed


def test_a_missing_file_is_a_french_404_and_pages_are_never_served_as_html(
    app: Flask, client: FlaskClient, lozere: None
) -> None:
    meeting, (dossier, _) = convoked_with_documents(app)
    page = add_document(
        app, meeting, title="Page", filename="page.html", content=b"<script>alert(1)</script>"
    )
    link = _answer_link(app, services.invitations_of(meeting)[0].id, meeting.id)
    served = client.get(f"{link}/documents/{page.id}")
    assert served.status_code == 200
    assert served.mimetype == "application/octet-stream"
    assert served.headers["Content-Disposition"].startswith("attachment;")
    document_path(documents_folder(app.config, app.instance_path), dossier).unlink()
    missing = client.get(f"{link}/documents/{dossier.id}")
    assert missing.status_code == 404
    assert "Documents indisponibles" in missing.get_data(as_text=True)


def test_document_links_are_rate_limited_like_every_secret_link(
    app: Flask, client: FlaskClient, lozere: None
) -> None:
    meeting, (dossier, _) = convoked_with_documents(app)
    link = _answer_link(app, services.invitations_of(meeting)[0].id, meeting.id)
    app.config["LINK_RATE_LIMIT"] = 2
    statuses = [client.get(f"{link}/documents/{dossier.id}").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    limited = client.get(f"{link}/documents/{dossier.id}")
    assert limited.headers["Retry-After"]
    assert limited.headers["Referrer-Policy"] == "no-referrer"


def test_the_convocation_preview_shows_the_document_links(
    app: Flask, client: FlaskClient, lozere: None, login: Callable[..., User]
) -> None:
    f.gevaudan_elus()
    meeting = f.meeting("concertation", siren="244800470", starts_at=f.paris(2027, 3, 9, 14))
    db.session.commit()
    document = add_document(app, meeting, title="Maquette financière")
    login()
    page = client.get(f"/reunions/{meeting.id}/convoquer")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Maquette financière" in html
    assert re.search(rf"/r/[^\s/]+/documents/{document.id}", html)
    assert db.session.get(MeetingDocument, document.id) is not None
    assert document.notified_at is None  # a preview writes nothing


def test_the_convocation_marks_the_listed_documents_as_told(app: Flask, lozere: None) -> None:
    _, documents = convoked_with_documents(app)
    for document in documents:
        db.session.refresh(document)
        assert document.notified_at is not None


def test_the_paper_letter_says_where_the_documents_are(
    app: Flask, client: FlaskClient, lozere: None, login: Callable[..., User]
) -> None:
    meeting, _ = convoked_with_documents(app)
    login()
    response = client.get(f"/reunions/{meeting.id}/courriers.pdf")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1  # the one invitee without email, on one page still
    text = re.sub(r"\s+", " ", reader.pages[0].extract_text())
    assert "où les documents de la réunion sont consultables" in text
    assert "sur demande auprès du Département" in text
    assert re.search(r"/c/\d+-[A-Z2-7]{8}", text)
