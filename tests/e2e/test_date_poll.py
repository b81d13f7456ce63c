"""The date poll in a real browser: the organiser proposes 3 slots for the Gévaudan concertation, two élus
answer on a phone (one changes their mind), the grid counts, a slot is chosen, and the convocation emails
received by the SMTP server carry it as DTSTART (a day the clocks change)."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Callable
from email.message import EmailMessage

import pytest
import vobject
from flask import Flask
from sqlalchemy import select

from concertation.accounts.models import User, UserRole
from concertation.demo import load_demo
from concertation.extensions import db
from concertation.meetings.models import Meeting
from concertation.notifications.sender import SmtpSettings, drain
from concertation.polls.models import Poll
from tests.common import db as f
from tests.common.browser import PHONE, CspWatch, Shots, login
from tests.common.db.people import president_of_gevaudan
from tests.common.smtp import SmtpSink

pytestmark = pytest.mark.e2e
GEVAUDAN = "244800470"
SLOTS = [("2027-03-28", "14:00", "17:00"), ("2027-04-06", "09:00", "12:00"), ("2027-10-31", "14:00", "17:00")]


def _mails(sink: SmtpSink, address: str, subject: str) -> list[EmailMessage]:
    found = []
    for _, recipients, raw in sink.messages:
        if address.lower() in (r.lower() for r in recipients):
            message = email.message_from_bytes(raw, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            if message["Subject"].startswith(subject):
                found.append(message)
    return found


def _poll_link(sink: SmtpSink, address: str) -> str:
    (message,) = _mails(sink, address, "Sondage de dates")
    assert "text/calendar" not in message.as_string()
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    link = re.search(r"http://127\.0\.0\.1:\d+/s/\S+", text)
    assert link, text
    return link.group(0)


def _answer(phone: object, csp: CspWatch, link: str, choices: list[str]) -> object:
    page = csp.watch(phone.new_page())  # type: ignore[attr-defined]
    page.goto(link)
    for number, choice in enumerate(choices, start=1):
        page.locator(f'fieldset[data-slot="{number}"]').get_by_label(choice, exact=True).check()
    page.get_by_role("button", name="Envoyer mes disponibilités").click()
    page.wait_for_load_state()
    assert "Votre réponse est enregistrée" in page.locator("main").inner_text()
    return page


def test_date_poll_from_proposal_to_convocation(
    app: Flask,
    lozere: None,
    live_server: str,
    browser: object,
    smtp_server: SmtpSink,
    make_user: Callable[..., User],
    shots: Shots,
    csp: CspWatch,
) -> None:
    load_demo()
    organiser = make_user(UserRole.ORGANISATEUR)
    president = president_of_gevaudan()
    meeting = f.meeting(
        "concertation", siren=GEVAUDAN, starts_at=f.paris(2027, 5, 18), title="Concertation du Gévaudan"
    )
    db.session.commit()
    base = live_server

    desk = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = csp.watch(desk.new_page())
    login(page, base, organiser)
    page.goto(f"{base}/reunions/{meeting.id}")
    page.get_by_role("link", name="Proposer des dates").click()
    for index, (day, start, end) in enumerate(SLOTS):
        page.locator(f'[name="slots-{index}-day"]').fill(day)
        page.locator(f'[name="slots-{index}-start"]').fill(start)
        page.locator(f'[name="slots-{index}-end"]').fill(end)
    page.get_by_label("Date limite de réponse (facultative)").fill("2027-03-20")
    page.get_by_label("Message aux invités (facultatif)").fill("Merci d'indiquer vos disponibilités.")
    shots.take(page, "sondage-formulaire")
    page.get_by_role("button", name="Voir l'aperçu").click()
    page.wait_for_url(re.compile(r"/sondage/apercu$"))
    preview = page.locator("main").inner_text()
    assert "dimanche 28 mars 2027, de 14 h à 17 h" in preview and "dimanche 31 octobre 2027" in preview
    shots.take(page, "sondage-apercu")
    page.get_by_role("button", name="Envoyer le sondage").click()
    page.wait_for_load_state()
    assert "Sondage envoyé" in page.locator("main").inner_text()
    drain(SmtpSettings.from_config(app.config))
    poll = db.session.scalar(select(Poll).where(Poll.meeting_id == meeting.id))
    assert poll is not None
    emailed = [r for r in poll.recipients if r.email]
    assert len(smtp_server.messages) == len(emailed)
    other = next(r for r in emailed if r.person_id != president.id)

    # Two élus answer on a phone; the président changes his mind.
    phone = browser.new_context(**PHONE)  # type: ignore[attr-defined]
    first = _answer(phone, csp, _poll_link(smtp_server, president.email or ""), ["Non", "Oui", "Oui"])
    shots.take(first, "sondage-telephone")
    _answer(phone, csp, _poll_link(smtp_server, president.email or ""), ["Oui", "Si nécessaire", "Non"])
    _answer(phone, csp, _poll_link(smtp_server, other.email), ["Oui", "Non", "Si nécessaire"])
    phone.close()

    # The grid counts them.
    page.goto(f"{base}/reunions/{meeting.id}/sondage")
    pending = len(poll.recipients) - 2
    for total, expected in (
        ("yes", ["2", "0", "0"]),
        ("if_needed", ["0", "1", "1"]),
        ("no", ["0", "1", "1"]),
    ):
        row = page.locator(f'tr[data-total="{total}"] td.fw-bold')
        assert row.all_inner_texts() == expected
    assert page.locator('tr[data-total="pending"] td.fw-bold').all_inner_texts() == [str(pending)] * 3
    shots.take(page, "sondage-grille")

    # The organiser chooses the first slot (the day the clocks go forward), then convokes.
    page.get_by_role("link", name="Retenir ce créneau 1").click()
    page.get_by_role("button", name="Confirmer : retenir ce créneau").click()
    page.wait_for_url(re.compile(r"/convoquer$"))
    assert "Créneau retenu" in page.locator("main").inner_text()
    db.session.expire_all()
    chosen = db.session.get(Meeting, meeting.id)
    assert chosen is not None and chosen.starts_at == f.paris(2027, 3, 28, 14)
    # One result email per polled invitee with an address, without a calendar part.
    smtp_server.messages.clear()
    drain(SmtpSettings.from_config(app.config))
    assert len(smtp_server.messages) == len(emailed)
    assert all(b"Date retenue" in raw and b"text/calendar" not in raw for _, _, raw in smtp_server.messages)
    smtp_server.messages.clear()
    page.get_by_role("button", name=re.compile("^Confirmer : convoquer")).click()
    page.wait_for_load_state()
    assert "Convocation enregistrée" in page.locator("main").inner_text()
    drain(SmtpSettings.from_config(app.config))
    # Every address once (the sink sees an accented domain in its IDNA form, hence no match on addresses).
    invitations = [
        email.message_from_bytes(raw, policy=email.policy.default) for _, _, raw in smtp_server.messages
    ]
    assert all(m["Subject"].startswith("Invitation : Concertation du Gévaudan") for m in invitations), [
        m["Subject"] for m in invitations
    ]
    assert len(invitations) == len(emailed)
    for message in invitations:
        assert isinstance(message, EmailMessage)
        part = next(x for x in message.walk() if x.get_content_type() == "text/calendar")
        event = vobject.readOne(part.get_payload(decode=True).decode("utf-8")).vevent
        assert event.dtstart.value == f.paris(2027, 3, 28, 14)
        assert event.dtstart.value.utcoffset().total_seconds() in (0, 7200)
    desk.close()
    assert csp.violations == []
