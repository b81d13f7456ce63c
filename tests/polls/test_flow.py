"""The date poll's main flow: emails through a real SMTP server, the élu's page, choosing a slot."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import vobject
from flask import Flask
from flask.testing import FlaskClient

from concertation.accounts.audit import AuditAction
from concertation.core.timeutils import PARIS, now_utc
from concertation.extensions import db
from concertation.invitations import services as invitation_services
from concertation.meetings.models import Meeting
from concertation.polls import services
from concertation.polls.exceptions import InvalidPoll, PollClosed, PollError, SlotAlreadyChosen
from concertation.polls.models import PollChoice, PollRecipient
from concertation.polls.tokens import make_poll_token
from tests.common import db as f
from tests.common.db import polls as p
from tests.common.db.accounts import journal
from tests.common.smtp import SmtpSink

LINK = re.compile(r"https?://\S+/s/[\w.-]+")


def _link(app: Flask, recipient: PollRecipient) -> str:
    return f"/s/{make_poll_token(app.config['SECRET_KEY'], recipient.id, recipient.poll_id)}"


def _answer_data(client: FlaskClient, url: str, choices: list[str], comment: str = "") -> dict[str, str]:
    page = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, page
    names = re.findall(r'name="(slot_\d+)"', page)
    ordered = list(dict.fromkeys(names))
    assert len(ordered) == len(choices)
    return {"csrf_token": token.group(1), "comment": comment, **dict(zip(ordered, choices, strict=True))}


def test_poll_emails_reach_every_invitee_with_an_address_once_without_calendar(
    app: Flask, lozere: None, smtp_server: SmtpSink
) -> None:
    poll = p.sent_poll(app)
    with_email = [r for r in poll.recipients if r.email]
    without = [r for r in poll.recipients if not r.email]
    assert len(with_email) > 10 and len(without) == 1
    p.deliver(app)
    received = p.received(smtp_server)
    addressees = sorted(m["To"].addresses[0].addr_spec for m in received)
    assert addressees == sorted(r.email for r in with_email)
    for message in received:
        raw = message.as_bytes()
        assert b"text/calendar" not in raw and b"BEGIN:VCALENDAR" not in raw
        assert not any(part.get_content_type() == "text/calendar" for part in message.walk())
        body = message.get_body(("plain",))
        assert body is not None
        text = body.get_content()
        assert "mardi 9 mars 2027, de 14 h à 17 h" in text
        assert "Merci de nous indiquer vos disponibilités." in text
        assert LINK.search(text)
    # Qualities as the meeting's invitee list gives them.
    assert any("Maire" in q or "maire" in q for r in poll.recipients for q in r.qualities)
    # Sending again queues nothing more.
    with pytest.raises(PollError):
        services.send_poll(poll, p.ctx(app))
    db.session.rollback()
    detail = f"3 créneau(x), {len(with_email)} courriel(s), 1 par téléphone"
    assert journal(AuditAction.POLL_SENT) == [("", poll.meeting.journal_label, detail)]


def test_the_elu_answers_and_changes_their_mind(app: Flask, lozere: None, smtp_server: SmtpSink) -> None:
    poll = p.sent_poll(app)
    p.deliver(app)
    message = p.received(smtp_server)[0]
    body = message.get_body(("plain",))
    assert body is not None
    match = LINK.search(body.get_content())
    assert match
    url = "/s/" + match.group(0).rsplit("/s/", 1)[1]
    client = app.test_client()
    page = client.get(url)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    html = page.get_data(as_text=True)
    assert "mardi 9 mars 2027, de 14 h à 17 h" in html and "Si nécessaire" in html
    answered = client.post(
        url, data=_answer_data(client, url, ["oui", "non", "si_necessaire"], "Plutôt mars")
    )
    assert answered.status_code == 303
    address = message["To"].addresses[0].addr_spec
    recipient = next(r for r in poll.recipients if r.email == address)
    db.session.refresh(recipient)
    assert recipient.comment == "Plutôt mars"
    assert sorted(a.choice.value for a in recipient.answers) == ["non", "oui", "si_necessaire"]
    # Changing one's mind replaces the answers.
    client.post(url, data=_answer_data(client, url, ["non", "oui", "oui"]))
    db.session.expire_all()
    grid_answers = {a.slot.position: a.choice for a in recipient.answers}
    assert grid_answers == {0: PollChoice.NON, 1: PollChoice.OUI, 2: PollChoice.OUI}
    assert len(recipient.answers) == 3
    # The page shows the answers given, to be changed again until the close.
    assert client.get(url).get_data(as_text=True).count("checked") == 3


def test_a_link_of_one_poll_cannot_answer_another(app: Flask, lozere: None) -> None:
    first = p.sent_poll(app)
    other_meeting = f.meeting("concertation", siren="244800470", starts_at=f.paris(2027, 5, 4), title="Autre")
    db.session.commit()
    second = p.sent_poll(app, other_meeting)
    recipient = first.recipients[0]
    forged = make_poll_token(app.config["SECRET_KEY"], recipient.id, second.id)
    client = app.test_client()
    page = client.get(f"/s/{forged}")
    assert page.status_code == 404 and "Lien de sondage inutilisable" in page.get_data(as_text=True)
    assert client.post(f"/s/{forged}", data={}).status_code == 404
    altered = _link(app, recipient)[:-2] + "xx"
    assert client.get(altered).status_code == 404
    assert client.get("/s/nimportequoi").status_code == 404


def test_after_the_close_the_page_says_so_and_refuses(app: Flask, lozere: None) -> None:
    poll = p.sent_poll(app)
    recipient = poll.recipients[1]
    url = _link(app, recipient)
    client = app.test_client()
    data = _answer_data(client, url, ["oui", "oui", "oui"])
    poll.closed_at = now_utc()
    db.session.commit()
    page = client.get(url)
    assert page.status_code == 200 and "Le sondage est clos" in page.get_data(as_text=True)
    refused = client.post(url, data=data)
    assert refused.status_code == 410 and "Le sondage est clos" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert recipient.answers == [] and recipient.answered_at is None
    with pytest.raises(PollClosed):
        services.answer(recipient, {s.id: PollChoice.OUI for s in poll.slots}, "")


def test_a_deadline_passed_closes_the_poll_before_any_job(app: Flask, lozere: None) -> None:
    poll = p.sent_poll(app, deadline=f.paris(2027, 3, 1, 12))
    assert services.is_open(poll, f.paris(2027, 2, 28))
    assert not services.is_open(poll, f.paris(2027, 3, 1, 12))
    with pytest.raises(PollClosed):
        services.answer(
            poll.recipients[0], {s.id: PollChoice.OUI for s in poll.slots}, "", now=f.paris(2027, 3, 2)
        )


@pytest.mark.parametrize(
    ("start", "utc_hour"),
    [
        (f.paris(2027, 3, 28, 14), 12),  # the day clocks go forward: UTC+2 from 3 h
        (f.paris(2027, 10, 31, 14), 13),  # the day clocks go back: UTC+1 from 3 h
    ],
    ids=["passage-heure-ete", "passage-heure-hiver"],
)
def test_choosing_a_slot_sets_the_meeting_time_and_the_convocation_dtstart(
    app: Flask, lozere: None, smtp_server: SmtpSink, start: datetime, utc_hour: int
) -> None:
    chosen_start = start
    poll = p.sent_poll(app, starts=(f.paris(2027, 3, 9, 14), chosen_start))
    position = next(s.position for s in poll.slots if s.starts_at == chosen_start)
    voters = poll.recipients[:3]
    for recipient, choice in zip(
        voters, (PollChoice.OUI, PollChoice.NON, PollChoice.SI_NECESSAIRE), strict=True
    ):
        services.answer(recipient, {s.id: choice for s in poll.slots}, "")
    db.session.commit()
    p.deliver(app)
    smtp_server.messages.clear()
    services.choose_slot(poll, position, None, p.ctx(app))
    db.session.commit()
    meeting = db.session.get(Meeting, poll.meeting_id)
    assert meeting is not None
    assert meeting.starts_at == chosen_start and meeting.ends_at == chosen_start + timedelta(hours=3)  # type: ignore[operator]
    assert (
        meeting.starts_at.astimezone(PARIS).hour == 14
        and meeting.starts_at.utctimetuple().tm_hour == utc_hour
    )
    assert poll.closed_at is not None and not services.is_open(poll)
    assert [r.id for r in services.declined_chosen(poll)] == [voters[1].id]
    with pytest.raises(SlotAlreadyChosen):
        services.choose_slot(poll, position, None, p.ctx(app))
    db.session.rollback()
    # One result email per polled invitee with an address, no calendar part.
    p.deliver(app)
    results = p.received(smtp_server)
    assert len(results) == sum(1 for r in poll.recipients if r.email)
    assert all(m["Subject"].startswith("Date retenue") for m in results)
    assert all(b"text/calendar" not in m.as_bytes() for m in results)
    # The convocation then carries the chosen slot as DTSTART (read by vobject, not the writer's library).
    smtp_server.messages.clear()
    invitation_services.convoke(meeting, p.ctx(app))
    db.session.commit()
    p.deliver(app)
    convocations = p.received(smtp_server)
    assert convocations
    for message in convocations:
        part = next(x for x in message.walk() if x.get_content_type() == "text/calendar")
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        event = vobject.readOne(payload.decode("utf-8")).vevent
        assert event.dtstart.value == chosen_start
        assert event.dtstart.value.astimezone(PARIS).hour == 14


def test_create_poll_refusals(app: Flask, lozere: None) -> None:
    meeting = p.draft_meeting()
    now = f.paris(2026, 12, 1)
    a, b = f.paris(2027, 3, 9, 14), f.paris(2027, 3, 10, 14)
    cases = [
        (p.slots(a), "au moins 2"),
        (p.slots(*(a + timedelta(days=i) for i in range(9))), "au plus 8"),
        ([(a, a - timedelta(hours=1)), (b, b + timedelta(hours=1))], "la fin doit suivre le début"),
        (p.slots(f.paris(2026, 11, 30), b), "déjà passée"),
        (p.slots(a, a), "proposé deux fois"),
    ]
    for slots, message in cases:
        with pytest.raises(InvalidPoll, match=message):
            services.create_poll(meeting, slots, None, "", None, now=now)
    with pytest.raises(InvalidPoll, match="précéder le premier créneau"):
        services.create_poll(meeting, p.slots(a, b), f.paris(2027, 3, 9, 15), "", None, now=now)
    with pytest.raises(InvalidPoll, match="déjà passée"):
        services.create_poll(meeting, p.slots(a, b), f.paris(2026, 11, 1), "", None, now=now)
    services.create_poll(meeting, p.slots(a, b), None, "", None, now=now)
    with pytest.raises(InvalidPoll, match="déjà un sondage"):
        services.create_poll(meeting, p.slots(a, b), None, "", None, now=now)
    db.session.rollback()
    invitation_services.convoke(meeting, p.ctx(app))
    db.session.commit()
    with pytest.raises(InvalidPoll, match="brouillon"):
        services.create_poll(meeting, p.slots(a, b), None, "", None, now=now)
