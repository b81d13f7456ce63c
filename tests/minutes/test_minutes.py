"""The compte rendu: sections, brouillon → valide → diffuse, diffusion by email with the PDF, versions."""

from __future__ import annotations

import email
import email.policy
import io
from collections.abc import Callable
from email.message import EmailMessage

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import func, select

from concertation.accounts.models import User, UserRole
from concertation.extensions import db
from concertation.invitations import services as invitations
from concertation.invitations.models import Answer, AnswerSource, Channel
from concertation.minutes.attendance import (
    AttendanceEntry,
    OtherInput,
    add_other,
    record_attendance,
)
from concertation.minutes.decisions import DecisionInput, record_decision, undo_decision
from concertation.minutes.diffusion import diffuse, recipients
from concertation.minutes.enums import MinutesStatus
from concertation.minutes.exceptions import InvalidInput, MinutesLocked, NotAllowed
from concertation.minutes.minutes import (
    SectionInput,
    add_free_section,
    ensure_minutes,
    update_sections,
    validate_minutes,
)
from concertation.minutes.models import Minutes
from concertation.notifications.emails import MailContext
from concertation.notifications.models import MessageKind, OutboxMessage
from concertation.notifications.sender import SmtpSettings, drain
from tests.common import db as f
from tests.common.db.minutes import convoked_then_held, mark_held, with_contract
from tests.common.http import csrf_token
from tests.common.smtp import SmtpSink

pytestmark = pytest.mark.usefixtures("lozere")
Login = Callable[..., User]


def _received(sink: SmtpSink) -> list[EmailMessage]:
    parsed = []
    for _, _, raw in sink.messages:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        parsed.append(message)
    return parsed


def _pdf_text(message: EmailMessage) -> str:
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(parts) == 1
    payload = parts[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    reader = PdfReader(io.BytesIO(payload))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def _held_with_minutes(app: Flask) -> Minutes:
    """The Gévaudan concertation, convoked, answered, held, with its attendance and a priority decision."""
    f.gevaudan_elus()
    meeting = convoked_then_held(app, title="Concertation du Gévaudan – propositions", purpose="propositions")
    emailed = [i for i in invitations.invitations_of(meeting) if i.channel == Channel.EMAIL]
    invitations.record_answer(emailed[0], Answer.PRESENT, source=AnswerSource.ORGANISER)
    mark_held(meeting)
    record_attendance(meeting, [AttendanceEntry(emailed[0].person_id, "present")])
    add_other(
        meeting,
        OtherInput(
            kind="partenaire", name="Claire Roux", quality="Lozère Ingénierie", email="claire@example.net"
        ),
    )
    contract = with_contract(meeting)
    record_decision(
        meeting,
        DecisionInput(
            kind="priorite_projet",
            agenda_item_id=meeting.agenda_items[1].id,
            project_id=contract.projects[0].id,
            priority=2,
        ),
    )
    minutes = ensure_minutes(meeting)
    update_sections(
        minutes,
        [
            SectionInput(section_id=minutes.sections[0].id, body="Accueil par le **président**."),
            SectionInput(
                section_id=minutes.sections[1].id,
                body="Les élus priorisent la voirie. <script>alert(1)</script> [piège](javascript:alert(1))",
            ),
        ],
    )
    add_free_section(minutes, "Questions diverses")
    db.session.commit()
    return minutes


def test_sections_follow_the_agenda_plus_free_ones(app: Flask) -> None:
    f.gevaudan_elus()
    meeting = f.meeting()
    minutes = ensure_minutes(meeting)
    assert [s.title for s in minutes.sections] == ["Accueil", "Diagnostic du territoire"]
    assert all(not s.is_free for s in minutes.sections)
    free = add_free_section(minutes, "Tour de table")
    assert free.is_free and free.position == 3
    with pytest.raises(InvalidInput):
        add_free_section(minutes, "  ")
    with pytest.raises(InvalidInput):
        update_sections(minutes, [SectionInput(section_id=free.id, body="x" * 50_001, title="Tour de table")])


def test_diffused_minutes_reach_the_real_smtp_server_with_a_readable_pdf(
    app: Flask, smtp_server: SmtpSink
) -> None:
    minutes = _held_with_minutes(app)
    meeting = minutes.meeting
    validate_minutes(minutes)
    sent = diffuse(minutes, MailContext.from_config(app.config))
    db.session.commit()
    targets = recipients(meeting)
    assert sent == len(targets) > 10
    assert "claire@example.net" in {t.email for t in targets}
    # Invitees without an email get nothing (they had a paper letter).
    paper = [i for i in invitations.invitations_of(meeting) if i.channel == Channel.PAPER]
    assert paper and not {i.person.full_name for i in paper} & {t.name for t in targets}
    drain(SmtpSettings.from_config(app.config))
    # The convocations of the meeting left through the same outbox: keep the minutes.
    received = [m for m in _received(smtp_server) if m["Subject"].startswith("Compte rendu")]
    assert sorted(m["To"].addresses[0].addr_spec for m in received) == sorted(t.email for t in targets)
    message = received[0]
    assert message["Subject"].startswith("Compte rendu : Concertation du Gévaudan – propositions")
    html = message.get_body(("html",))
    assert html is not None
    body = html.get_content()
    assert "<strong>président</strong>" in body and "<script" not in body and "javascript:" not in body
    text = _pdf_text(message)
    assert "Compte rendu" in text and "Concertation du Gévaudan" in text
    assert "Priorité d'un projet" in text and "priorité 1 → 2" in text
    assert "Questions diverses" in text and "alert(1)" not in text
    assert minutes.status == MinutesStatus.DIFFUSE
    assert minutes.versions[0].number == 1 and minutes.versions[0].recipient_count == sent


def test_diffused_minutes_are_read_only_and_a_correction_is_a_new_version(
    app: Flask, client: FlaskClient, login: Login
) -> None:
    minutes = _held_with_minutes(app)
    meeting = minutes.meeting
    decision_count = 1
    validate_minutes(minutes)
    diffuse(minutes, MailContext.from_config(app.config))
    db.session.commit()
    with pytest.raises(MinutesLocked):
        update_sections(minutes, [SectionInput(section_id=minutes.sections[0].id, body="Réécrit")])
    from concertation.minutes.decisions import decisions_of

    decision = decisions_of(meeting)[0]
    assert decision.published_version == 1 and not decision.can_be_undone
    with pytest.raises(NotAllowed):
        undo_decision(decision)

    login(UserRole.ORGANISATEUR)
    page_url = f"/reunions/{meeting.id}/compte-rendu"
    assert client.get(f"{page_url}/modifier").status_code == 303
    token = csrf_token(client, page_url)
    assert client.post(f"{page_url}/correction", data={"csrf_token": token, "reason": " "}).status_code == 422
    response = client.post(
        f"{page_url}/correction", data={"csrf_token": token, "reason": "Nom du maire de Montrodat"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert (minutes.version, minutes.status) == (2, MinutesStatus.BROUILLON)
    section = minutes.sections[0]
    edit = f"{page_url}/modifier"
    response = client.post(
        edit, data={"csrf_token": csrf_token(client, edit), f"texte-{section.id}": "Accueil corrigé."}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert minutes.sections[0].body == "Accueil corrigé."
    # Version 1 stays as it was sent, visible in the history.
    assert "Accueil par le" in minutes.versions[0].html and "corrigé" not in minutes.versions[0].html
    page = client.get(page_url).get_data(as_text=True)
    assert "Versions diffusées" in page and "Version 1" in page and "Nom du maire de Montrodat" in page
    old = client.get(f"{page_url}/versions/1").get_data(as_text=True)
    assert "Accueil par le" in old and "<script>alert" not in old
    token = csrf_token(client, page_url)
    assert client.post(f"{page_url}/validation", data={"csrf_token": token}).status_code == 303
    assert client.post(f"{page_url}/diffusion", data={"csrf_token": token}).status_code == 303
    db.session.expire_all()
    assert [v.number for v in minutes.versions] == [1, 2]
    subjects = db.session.scalars(
        select(OutboxMessage.subject)
        .where(OutboxMessage.kind == MessageKind.MINUTES)
        .order_by(OutboxMessage.id.desc())
    ).first()
    assert subjects is not None and subjects.startswith("Compte rendu corrigé (version 2)")
    assert len({d.id for d in decisions_of(meeting)}) == decision_count


def test_markdown_rendered_inert_on_the_page(app: Flask, client: FlaskClient, login: Login) -> None:
    minutes = _held_with_minutes(app)
    login(UserRole.LECTEUR)
    page = client.get(f"/reunions/{minutes.meeting_id}/compte-rendu").get_data(as_text=True)
    assert "Les élus priorisent la voirie." in page
    assert "<script>alert(1)" not in page and "javascript:alert" not in page
    assert ">piège</a>" in page
    pdf = client.get(f"/reunions/{minutes.meeting_id}/compte-rendu.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"


def test_workflow_through_the_pages(app: Flask, client: FlaskClient, login: Login) -> None:
    f.gevaudan_elus()
    meeting = convoked_then_held(app)
    mark_held(meeting)
    login(UserRole.ORGANISATEUR)
    page_url = f"/reunions/{meeting.id}/compte-rendu"
    assert "pas encore commencé" in client.get(page_url).get_data(as_text=True)
    token = csrf_token(client, page_url)
    assert client.post(f"{page_url}/commencer", data={"csrf_token": token}).status_code == 303
    minutes = db.session.scalars(select(Minutes)).one()
    assert (
        client.post(f"{page_url}/validation", data={"csrf_token": token}).status_code == 303
    )  # empty: refused
    db.session.expire_all()
    assert minutes.status == MinutesStatus.BROUILLON
    edit = f"{page_url}/modifier"
    token = csrf_token(client, edit)
    response = client.post(f"{page_url}/sections", data={"csrf_token": token, "title": ""})
    assert response.status_code == 422
    assert (
        client.post(f"{page_url}/sections", data={"csrf_token": token, "title": "Tour de table"}).status_code
        == 303
    )
    db.session.expire_all()
    ids = [s.id for s in minutes.sections]
    data = {
        "csrf_token": token,
        **{f"texte-{i}": f"Texte {n}" for n, i in enumerate(ids)},
        f"titre-{ids[2]}": "",
    }
    response = client.post(edit, data=data)
    assert response.status_code == 422
    assert "Une section libre a un titre." in response.get_data(as_text=True)
    db.session.expire_all()
    assert all(s.body == "" for s in minutes.sections)
    data[f"titre-{ids[2]}"] = "Tour de table"
    assert client.post(edit, data=data).status_code == 303
    assert client.post(f"{page_url}/validation", data={"csrf_token": token}).status_code == 303
    db.session.expire_all()
    assert minutes.status == MinutesStatus.VALIDE
    assert client.get(edit).status_code == 303  # validated: read-only
    assert client.post(f"{page_url}/brouillon", data={"csrf_token": token}).status_code == 303
    db.session.expire_all()
    assert minutes.status == MinutesStatus.BROUILLON
    outbox = db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == MessageKind.MINUTES)
    )
    assert outbox == 0


def test_reader_cannot_write_minutes(app: Flask, client: FlaskClient, login: Login) -> None:
    f.gevaudan_elus()
    meeting = f.meeting()
    login(UserRole.LECTEUR)
    page_url = f"/reunions/{meeting.id}/compte-rendu"
    assert client.get(page_url).status_code == 200
    token = csrf_token(client, "/reunions/")
    for action in ("commencer", "validation", "diffusion", "brouillon", "correction", "sections"):
        assert client.post(f"{page_url}/{action}", data={"csrf_token": token}).status_code == 403
    assert client.get(f"{page_url}/modifier").status_code == 403
    assert db.session.scalars(select(Minutes)).all() == []
