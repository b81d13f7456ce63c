"""Paper invitations (PDF) and calendar feeds."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import vobject
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from concertation.accounts.models import User
from concertation.extensions import db
from concertation.invitations import services
from concertation.invitations.models import Channel
from concertation.notifications.emails import MailContext
from concertation.notifications.feeds import person_feed_token
from tests.common import db as f


def _convoked(app: Flask):  # type: ignore[no-untyped-def]
    f.gevaudan_elus(without_email=2)
    meeting = f.meeting("concertation", siren="244800470", starts_at=f.paris(2027, 3, 9, 14))
    db.session.commit()
    services.convoke(meeting, MailContext.from_config(app.config))
    db.session.commit()
    return meeting


def test_paper_letters_pdf_lists_each_invitee_without_email(
    app: Flask, client: FlaskClient, lozere: None, login: Callable[..., User]
) -> None:
    meeting = _convoked(app)
    login()
    response = client.get(f"/reunions/{meeting.id}/courriers.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    paper = [i for i in services.invitations_of(meeting) if i.channel == Channel.PAPER]
    assert len(reader.pages) == len(paper) == 2
    text = " ".join(page.extract_text() for page in reader.pages)
    for invitation in paper:
        assert invitation.person.last_name in text
    assert "mardi 9 mars 2027 de 14 h 00 à 17 h 00" in re.sub(r"\s+", " ", text)


def test_paper_letters_need_an_organiser(app: Flask, client: FlaskClient, lozere: None) -> None:
    meeting = _convoked(app)
    response = client.get(f"/reunions/{meeting.id}/courriers.pdf")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_personal_feed_lists_the_meetings_of_that_person(
    app: Flask, client: FlaskClient, lozere: None
) -> None:
    meeting = _convoked(app)
    invitation = services.invitations_of(meeting)[0]
    token = person_feed_token(app.config["SECRET_KEY"], invitation.person_id)
    response = client.get(f"/flux/personne/{token}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = vobject.readOne(response.get_data(as_text=True), validate=True)
    events = calendar.contents["vevent"]
    assert [e.summary.value for e in events] == [meeting.title]
    assert events[0].uid.value.startswith(f"meeting-{meeting.id}@")
    assert client.get(f"/flux/personne/{token}x.ics").status_code == 404


def test_public_feeds_by_cc_and_by_town(app: Flask, client: FlaskClient, lozere: None) -> None:
    meeting = _convoked(app)
    draft = f.meeting("concertation", siren="244800470", starts_at=f.paris(2027, 4, 9, 14), title="Brouillon")
    db.session.commit()
    cc = vobject.readOne(client.get("/flux/cc/244800470.ics").get_data(as_text=True), validate=True)
    assert [e.summary.value for e in cc.contents["vevent"]] == [meeting.title]  # not the draft
    assert draft.title != meeting.title
    town = client.get("/flux/ville/48095.ics")
    assert town.status_code == 200
    assert "vevent" not in vobject.readOne(town.get_data(as_text=True)).contents
    assert client.get("/flux/cc/000000000.ics").status_code == 404
