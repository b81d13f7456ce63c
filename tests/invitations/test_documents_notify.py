""" "Prévenir les invités": documents added or regenerated after the convocation, told once, in one email per
invitee with an address (through the outbox), never twice for a double submit, never as a calendar message."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from concertation.accounts.audit import AuditAction
from concertation.accounts.models import User
from concertation.core.roles import UserRole
from concertation.extensions import db
from concertation.invitations import document_notices, services
from concertation.invitations.models import Channel, DocumentNotice
from concertation.meetings import invitees as meeting_invitees
from concertation.meetings.models import DocumentKind, Meeting, MeetingDocument
from concertation.notifications.emails import MailContext
from concertation.notifications.models import MessageKind, OutboxMessage
from tests.common import db as f
from tests.common.db.accounts import journal
from tests.common.documents import (
    PDF,
    add_document,
    answer_path,
    convoked_with_documents,
    deliver,
    document_paths,
    text_of,
    use_folder,
)
from tests.common.http import csrf_token, log_in
from tests.common.smtp import SmtpSink, mail_to

PANEL = re.compile(r'<div[^>]*id="documents-nouveaux".*?</div>', re.S)


@pytest.fixture(autouse=True)
def _folder(app: Flask, tmp_path: Path) -> None:
    use_folder(app, tmp_path / "reunions")


def _with_news(app: Flask) -> tuple[Meeting, list[MeetingDocument]]:
    """A convoked meeting (2 invitees without email) to which a piece was added and whose dossier was
    regenerated since."""
    meeting, _ = convoked_with_documents(app, without_email=2)
    piece = add_document(app, meeting, title="Étude de faisabilité", filename="etude.pdf", content=PDF + b"e")
    dossier = add_document(
        app,
        meeting,
        kind=DocumentKind.DOSSIER,
        title="Dossier de séance",
        filename="d2.pdf",
        content=PDF + b"2",
    )
    return meeting, [dossier, piece]


def _notice_form(client: FlaskClient, meeting: Meeting) -> dict[str, str]:
    page = client.get(f"/reunions/{meeting.id}/invitations").get_data(as_text=True)
    panel = PANEL.search(page)
    assert panel, "no notice panel on the page"
    fields = dict(re.findall(r'name="(documents-[a-z_]+)"[^>]*value="([^"]+)"', panel.group(0)))
    assert set(fields) == {"documents-csrf_token", "documents-token"}
    return fields


def _has_panel(client: FlaskClient, meeting: Meeting) -> bool:
    return 'id="documents-nouveaux"' in client.get(f"/reunions/{meeting.id}/invitations").get_data(
        as_text=True
    )


def _notices() -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == MessageKind.DOCUMENTS)
            .order_by(OutboxMessage.id)
        )
    )


def _emailed(meeting: Meeting) -> list[str]:
    return sorted(i.email or "" for i in services.invitations_of(meeting) if i.channel == Channel.EMAIL)


def test_the_page_counts_the_untold_documents_and_names_the_paper_invitees(
    app: Flask, client: FlaskClient, lozere: None, login: Callable[..., User]
) -> None:
    meeting, news = _with_news(app)
    login()
    page = client.get(f"/reunions/{meeting.id}/invitations").get_data(as_text=True)
    panel = PANEL.search(page)
    assert panel
    assert "2 document(s) nouveau(x) non signalé(s) aux invités" in panel.group(0)
    assert "Prévenir les invités" in panel.group(0)
    paper = [i.person.full_name for i in services.invitations_of(meeting) if i.channel == Channel.PAPER]
    assert len(paper) == 2
    assert all(name in page for name in paper)
    assert all(d.title in panel.group(0) for d in news)


def test_notify_sends_one_email_per_invitee_with_what_changed_and_working_links(
    app: Flask, client: FlaskClient, lozere: None, login: Callable[..., User], smtp_server: SmtpSink
) -> None:
    meeting, (dossier, piece) = _with_news(app)
    deliver(app)  # the convocation
    before = len(smtp_server.messages)
    organiser = login()
    response = client.post(
        f"/reunions/{meeting.id}/invitations/documents/prevenir", data=_notice_form(client, meeting)
    )
    assert response.status_code == 303
    flashed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Invités prévenus" in flashed and "À prévenir par courrier" in flashed

    notices = _notices()
    assert sorted(m.recipient_email for m in notices) == _emailed(meeting)
    assert journal(AuditAction.DOCUMENTS_NOTICE) == [
        (organiser.email, meeting.journal_label, f"2 document(s), {len(notices)} courriel(s)")
    ]
    assert len({m.invitation_id for m in notices}) == len(notices)
    deliver(app)
    received = smtp_server.messages[before:]
    assert len(received) == len(notices)
    sink = SmtpSink(smtp_server.host, smtp_server.port, messages=received)
    message = mail_to(sink, notices[0].recipient_email)
    assert message["Subject"].startswith("Documents : Concertation")
    assert all(part.get_content_type() != "text/calendar" for part in message.walk())
    assert not list(message.iter_attachments())
    text = text_of(message)
    news = text.split("Nouveautés :", 1)[1].split("Documents de la réunion", 1)[0]
    assert "Étude de faisabilité" in news and "Dossier de séance (version 2)" in news
    assert "Compte rendu de l'été" not in news  # told with the convocation
    paths = document_paths(text)
    assert f"/documents/{dossier.id}" in paths[0] and f"/documents/{piece.id}" in paths[1]
    assert client.get(paths[1]).data == PDF + b"e"
    assert client.get(paths[0]).data == PDF + b"2"
    assert answer_path(text) in paths[0]
    # Told: the panel is gone, the documents carry the time.
    for document in (dossier, piece):
        db.session.refresh(document)
        assert document.notified_at is not None
    assert 'id="documents-nouveaux"' not in client.get(f"/reunions/{meeting.id}/invitations").get_data(
        as_text=True
    )


def test_a_double_submit_sends_nothing_twice(
    app: Flask, client: FlaskClient, lozere: None, login: Callable[..., User]
) -> None:
    meeting, _ = _with_news(app)
    login()
    form = _notice_form(client, meeting)
    url = f"/reunions/{meeting.id}/invitations/documents/prevenir"
    assert client.post(url, data=form).status_code == 303
    count = len(_notices())
    assert count == len(_emailed(meeting))
    again = client.post(url, data=form, follow_redirects=True)
    assert "déjà été prévenus" in again.get_data(as_text=True)
    assert len(_notices()) == count
    assert db.session.scalar(select(func.count()).select_from(DocumentNotice)) == 1
    assert len(journal(AuditAction.DOCUMENTS_NOTICE)) == 1
    # A second form with nothing new sends nothing either.
    assert 'id="documents-nouveaux"' not in client.get(f"/reunions/{meeting.id}/invitations").get_data(
        as_text=True
    )
    ctx = MailContext.from_config(app.config)
    with pytest.raises(document_notices.CannotNotify):
        document_notices.notify_documents(meeting, ctx, document_notices.new_notice_token())
    db.session.rollback()
    assert len(_notices()) == count


def test_the_same_token_is_refused_by_the_service(app: Flask, lozere: None) -> None:
    meeting, _ = _with_news(app)
    ctx = MailContext.from_config(app.config)
    token = document_notices.new_notice_token()
    report = document_notices.notify_documents(meeting, ctx, token)
    db.session.commit()
    assert report.documents == 2 and report.emails == len(_emailed(meeting)) and len(report.paper_names) == 2
    add_document(app, meeting, title="Annexe")
    with pytest.raises(document_notices.DocumentsAlreadyNotified):
        document_notices.notify_documents(meeting, ctx, token)
    db.session.rollback()
    # A new form tells of the new piece alone.
    document_notices.notify_documents(meeting, ctx, document_notices.new_notice_token())
    db.session.commit()
    assert len(_notices()) == 2 * len(_emailed(meeting))


def test_a_removed_invitee_is_not_told(app: Flask, lozere: None) -> None:
    meeting, _ = _with_news(app)
    removed = next(i for i in services.invitations_of(meeting) if i.channel == Channel.EMAIL)
    meeting_invitees.remove_invitee(meeting, removed.person, "Démission", None)
    db.session.commit()
    document_notices.notify_documents(
        meeting, MailContext.from_config(app.config), document_notices.new_notice_token()
    )
    db.session.commit()
    recipients = [m.recipient_email for m in _notices()]
    assert removed.email not in recipients
    assert sorted(recipients) == _emailed(meeting)


def test_documents_before_the_convocation_are_not_news(
    app: Flask, client: FlaskClient, lozere: None, login: Callable[..., User]
) -> None:
    f.gevaudan_elus()
    meeting = f.meeting("concertation", siren="244800470", starts_at=f.paris(2027, 3, 9, 14))
    db.session.commit()
    add_document(app, meeting)
    assert document_notices.pending_documents(meeting) == []  # a draft has nobody to tell
    services.convoke(meeting, MailContext.from_config(app.config))
    db.session.commit()
    assert document_notices.pending_documents(meeting) == []
    login()
    assert 'id="documents-nouveaux"' not in client.get(f"/reunions/{meeting.id}/invitations").get_data(
        as_text=True
    )


def test_notify_needs_an_organiser_and_the_forms_token(
    app: Flask,
    client: FlaskClient,
    lozere: None,
    login: Callable[..., User],
    make_user: Callable[..., User],
) -> None:
    meeting, _ = _with_news(app)
    url = f"/reunions/{meeting.id}/invitations/documents/prevenir"
    anonymous = app.test_client()
    assert anonymous.post(url).status_code in (302, 303, 400, 401, 403)  # the CSRF check comes first
    reader = app.test_client()
    log_in(reader, make_user(UserRole.LECTEUR).email)
    assert (
        reader.post(
            url, data={"csrf_token": csrf_token(reader, "/compte"), "documents-token": "x"}
        ).status_code
        == 403
    )
    login()
    form = _notice_form(client, meeting)
    # Without its CSRF token (a forged cross-site POST), or without its click token: nothing is sent.
    assert client.post(url, data={"documents-token": form["documents-token"]}).status_code == 400
    expired = client.post(
        url, data={"documents-csrf_token": form["documents-csrf_token"]}, follow_redirects=True
    )
    assert "Formulaire expiré" in expired.get_data(as_text=True)
    assert _notices() == []


def test_simultaneous_submits_of_one_or_two_forms_send_once(
    app: Flask, client: FlaskClient, lozere: None, login: Callable[..., User]
) -> None:
    meeting, _ = _with_news(app)
    login()
    forms = [_notice_form(client, meeting), _notice_form(client, meeting)]  # two tabs: two tokens
    assert forms[0]["documents-token"] != forms[1]["documents-token"]
    cookie = client.get_cookie("session")
    assert cookie is not None
    url = f"/reunions/{meeting.id}/invitations/documents/prevenir"
    statuses: list[int] = []
    barrier = threading.Barrier(4)

    def submit(form: dict[str, str]) -> None:
        other = app.test_client()
        other.set_cookie("session", cookie.value)
        with app.app_context():
            barrier.wait()
            statuses.append(other.post(url, data=form).status_code)

    threads = [threading.Thread(target=submit, args=(forms[n % 2],)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303] * 4
    db.session.expire_all()
    assert sorted(m.recipient_email for m in _notices()) == _emailed(meeting)
    assert db.session.scalar(select(func.count()).select_from(DocumentNotice)) == 1
    assert len(journal(AuditAction.DOCUMENTS_NOTICE)) == 1


def test_no_notice_once_the_documents_are_archived(app: Flask, lozere: None) -> None:
    meeting, _ = _with_news(app)
    meeting.starts_at -= timedelta(days=900)
    meeting.ends_at -= timedelta(days=900)
    db.session.commit()
    assert document_notices.pending_documents(meeting) == []
    with pytest.raises(document_notices.CannotNotify):
        document_notices.notify_documents(
            meeting, MailContext.from_config(app.config), document_notices.new_notice_token()
        )
    db.session.rollback()
    assert _notices() == []
