"""Convocation, update and cancellation, delivered through a real SMTP server and parsed back."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import timedelta
from email.message import EmailMessage

import vobject
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from concertation.extensions import db
from concertation.invitations import services
from concertation.invitations.models import Answer, AnswerSource, Channel, Invitation
from concertation.meetings import invitees as meeting_invitees
from concertation.meetings import services as meeting_services
from concertation.meetings.models import Meeting, MeetingStatus
from concertation.notifications.emails import MailContext
from concertation.notifications.sender import SmtpSettings, drain
from tests.common import db as f
from tests.common.smtp import SmtpSink


def _ctx(app: Flask) -> MailContext:
    return MailContext.from_config(app.config)


def _received(sink: SmtpSink) -> list[EmailMessage]:
    parsed = []
    for _, _, raw in sink.messages:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        parsed.append(message)
    return parsed


def _calendar(message: EmailMessage) -> tuple[str, str]:
    """(MIME method parameter, calendar text) of the inline text/calendar part."""
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return part.get_param("method"), payload.decode("utf-8")
    raise AssertionError("no text/calendar part")


def _convoked(app: Flask) -> Meeting:
    f.gevaudan_elus()
    meeting = f.meeting("concertation", siren="244800470", starts_at=f.paris(2027, 3, 9, 14))
    db.session.commit()
    services.convoke(meeting, _ctx(app))
    db.session.commit()
    return meeting


def _drain(app: Flask) -> None:
    drain(SmtpSettings.from_config(app.config))


def test_convocation_sends_one_request_per_invitee(app: Flask, lozere: None, smtp_server: SmtpSink) -> None:
    meeting = _convoked(app)
    invitations = services.invitations_of(meeting)
    by_channel = {c: [i for i in invitations if i.channel == c] for c in Channel}
    assert len(by_channel[Channel.PAPER]) == 1
    assert meeting.status == MeetingStatus.CONVOQUEE
    _drain(app)
    received = _received(smtp_server)
    assert len(received) == len(by_channel[Channel.EMAIL]) > 10
    # One email per invitee, alone in To:
    assert sorted(m["To"].addresses[0].addr_spec for m in received) == sorted(
        i.email for i in by_channel[Channel.EMAIL]
    )
    assert all(len(m["To"].addresses) == 1 for m in received)
    for message in received:
        assert message["Subject"].startswith("Invitation : Concertation")
        method, text = _calendar(message)
        assert method == "REQUEST"
        event = vobject.readOne(text, validate=True)
        assert event.method.value == "REQUEST"
        assert event.vevent.uid.value.startswith(f"meeting-{meeting.id}@")
        assert event.vevent.sequence.value == "0"
        to = message["To"].addresses[0].addr_spec
        assert event.vevent.attendee.value.lower() == f"mailto:{to}"
        assert "/r/" in event.vevent.description.value


def test_marvejols_maire_invited_with_both_qualities(app: Flask, lozere: None, smtp_server: SmtpSink) -> None:
    meeting = _convoked(app)
    _drain(app)
    invitation = next(i for i in services.invitations_of(meeting) if i.person.last_name == "Maire48092")
    assert invitation.invitee.qualities == ["Maire de Marvejols", "Président de la CC du Gévaudan"]
    message = next(m for m in _received(smtp_server) if m["To"].addresses[0].addr_spec == invitation.email)
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "Maire de Marvejols" in text and "Président de la CC du Gévaudan" in text
    assert "mardi 9 mars 2027 de 14 h 00 à 17 h 00" in text


def test_request_then_update_then_cancel_keeps_uid_and_raises_sequence(
    app: Flask, lozere: None, smtp_server: SmtpSink
) -> None:
    meeting = _convoked(app)
    _drain(app)
    invitation = next(i for i in services.invitations_of(meeting) if i.channel == Channel.EMAIL)
    services.record_answer(invitation, Answer.PRESENT, source=AnswerSource.LINK)
    db.session.commit()

    # Date change: REQUEST, SEQUENCE 1, answers reset.
    data = meeting_services.MeetingInput(
        kind="concertation",
        title=meeting.title,
        purpose=meeting.purpose,
        intercommunality_siren="244800470",
        starts_at=f.paris(2027, 3, 16, 10),
        ends_at=f.paris(2027, 3, 16, 12),
        location_name=meeting.location_name,
        agenda=[a.title for a in meeting.agenda_items],
    )
    meeting_services.update_meeting(meeting, data)
    db.session.commit()
    db.session.refresh(invitation)
    assert invitation.answer == Answer.EN_ATTENTE
    _drain(app)

    meeting_services.cancel_meeting(meeting)
    db.session.commit()
    _drain(app)

    mine = [m for m in _received(smtp_server) if m["To"].addresses[0].addr_spec == invitation.email]
    assert [m["Subject"].split(" : ")[0] for m in mine] == ["Invitation", "Modification", "Annulation"]
    calendars = [_calendar(m) for m in mine]
    assert [c[0] for c in calendars] == ["REQUEST", "REQUEST", "CANCEL"]
    events = [vobject.readOne(text, validate=True) for _, text in calendars]
    assert len({e.vevent.uid.value for e in events}) == 1
    assert [int(e.vevent.sequence.value) for e in events] == [0, 1, 2]
    assert events[2].vevent.status.value == "CANCELLED"
    # 10:00 Paris on 16 March 2027 (winter time) is 09:00 UTC.
    start = events[1].vevent.dtstart.value
    assert start.utcoffset() == timedelta(hours=1) and start.hour == 10
    assert len({m["Message-ID"] for m in mine}) == 3
    update_text = mine[1].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Nouvelle date : mardi 16 mars 2027 de 10 h 00 à 12 h 00" in update_text
    assert "répondre à nouveau" in update_text


def test_title_change_alone_sends_nothing(app: Flask, lozere: None, smtp_server: SmtpSink) -> None:
    meeting = _convoked(app)
    _drain(app)
    before = len(smtp_server.messages)
    data = meeting_services.MeetingInput(
        kind="concertation",
        title="Concertation — titre corrigé",
        purpose=meeting.purpose,
        intercommunality_siren="244800470",
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        location_name=meeting.location_name,
        agenda=[a.title for a in meeting.agenda_items],
    )
    meeting_services.update_meeting(meeting, data)
    db.session.commit()
    _drain(app)
    assert len(smtp_server.messages) == before
    assert meeting.sequence == 0


def test_removed_invitee_alone_gets_a_cancel_and_added_one_a_request(
    app: Flask, lozere: None, smtp_server: SmtpSink
) -> None:
    meeting = _convoked(app)
    _drain(app)
    before = len(smtp_server.messages)
    target = next(i for i in services.invitations_of(meeting) if i.channel == Channel.EMAIL)
    meeting_invitees.remove_invitee(meeting, target.person, "Démission", None)
    db.session.commit()
    guest = f.person("Ingénieure", email="ingenierie@example.org")
    meeting_invitees.add_invitee(meeting, guest, "Partenaire technique", None)
    db.session.commit()
    _drain(app)
    new = _received(smtp_server)[before:]
    assert len(new) == 2
    cancel = next(m for m in new if m["To"].addresses[0].addr_spec == target.email)
    method, text = _calendar(cancel)
    assert method == "CANCEL"
    event = vobject.readOne(text, validate=True)
    assert "status" not in event.vevent.contents  # one attendee removed, the meeting goes on
    assert int(event.vevent.sequence.value) == 1
    added = next(m for m in new if m["To"].addresses[0].addr_spec == "ingenierie@example.org")
    assert _calendar(added)[0] == "REQUEST"
    db.session.refresh(target)
    assert not target.is_active


def _answer_link(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    match = re.search(r"http://[^\s]+/r/([^\s?]+)", body.get_content())
    assert match
    return "/r/" + match.group(1)


def test_answer_through_the_emailed_link(
    app: Flask, client: FlaskClient, lozere: None, smtp_server: SmtpSink
) -> None:
    meeting = _convoked(app)
    _drain(app)
    message = _received(smtp_server)[0]
    link = _answer_link(message)
    page = client.get(link + "?reponse=represente")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert meeting.title in html
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert token
    response = client.post(
        link,
        data={
            "csrf_token": token.group(1),
            "answer": "represente",
            "represented_by": "Jean Adjoint, 1er adjoint",
        },
    )
    assert response.status_code == 303
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.email == message["To"].addresses[0].addr_spec)
    )
    assert invitation is not None
    assert invitation.answer == Answer.REPRESENTE
    assert invitation.represented_by == "Jean Adjoint, 1er adjoint"
    # Idempotent: the same answer again changes nothing but the time.
    again = client.post(
        link,
        data={
            "csrf_token": token.group(1),
            "answer": "represente",
            "represented_by": "Jean Adjoint, 1er adjoint",
        },
    )
    assert again.status_code == 303


def test_rsvp_token_cannot_reach_another_invitation(
    app: Flask, client: FlaskClient, lozere: None, smtp_server: SmtpSink
) -> None:
    _convoked(app)
    _drain(app)
    link = _answer_link(_received(smtp_server)[0])
    token = link.removeprefix("/r/")
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = client.get("/r/" + forged)
    assert response.status_code == 404
    assert "pas valide" in response.get_data(as_text=True)
    assert client.get("/r/n'importe-quoi").status_code == 404


def test_answers_close_after_the_meeting(
    app: Flask, client: FlaskClient, lozere: None, smtp_server: SmtpSink
) -> None:
    meeting = _convoked(app)
    _drain(app)
    link = _answer_link(_received(smtp_server)[0])
    meeting.starts_at = meeting.starts_at.replace(year=2025)
    meeting.ends_at = meeting.ends_at.replace(year=2025)
    db.session.commit()
    page = client.get(link)
    assert page.status_code == 200
    assert "closes" in page.get_data(as_text=True)
