"""Awkward addresses and names on the convocation path: nobody's address stops the others (issue 12)."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from email.message import EmailMessage

import vobject
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from concertation.accounts.models import User, UserRole
from concertation.extensions import db
from concertation.invitations import services
from concertation.invitations.models import Channel, Invitation
from concertation.meetings import invitees as meeting_invitees
from concertation.meetings.models import Meeting
from concertation.notifications.emails import MailContext
from concertation.notifications.models import DeliveryState, OutboxMessage
from concertation.notifications.sender import SmtpSettings, drain
from concertation.people.models import Person
from tests.common import db as f
from tests.common.http import csrf_token
from tests.common.ical import libical_available, libical_restriction_check
from tests.common.smtp import SmtpSink

IDNA = "maire@xn--mairie-lozre-6db.fr"


def _received(sink: SmtpSink) -> dict[str, tuple[list[str], EmailMessage]]:
    """Each message by the address of its To:, with its envelope recipients."""
    found = {}
    for _, recipients, raw in sink.messages:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        found[message["To"].addresses[0].addr_spec] = (recipients, message)
    return found


def _calendar(message: EmailMessage) -> bytes:
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload


def _meeting_with_awkward_invitees(app: Flask) -> tuple[Meeting, dict[str, Person]]:
    elus = [p for p in f.gevaudan_elus() if p.email]
    awkward = {
        # An internationalised domain: accepted, written in its IDNA form.
        "idna": ("Zoë", "Dupré-O'Brien", "maire@mairie-lozère.fr"),
        # Saved before accents were refused before "@": cannot be written, recorded as refused.
        "local": ("Élodie", "Dupré", "élodie.dupre@mairie-lozère.fr"),
        "quotes": ("Anne-Laure", 'Martin, dit "Jo"', "o'brien@example.org"),
        # Old data holding a right-to-left override and a vertical tab.
        "bidi": ("Jean\u202e", "Durand\u000bAîné", "jean.durand@example.org"),
        # Item 7: the organiser's own address.
        "organiser": ("Service", "Économie", str(app.config["ORGANIZER_EMAIL"])),
    }
    persons = {}
    for (key, (first, last, address)), person in zip(awkward.items(), elus, strict=False):
        person.first_name, person.last_name, person.email = first, last, address
        persons[key] = person
    meeting = f.meeting("concertation", siren="244800470", starts_at=f.paris(2027, 3, 9, 14))
    db.session.commit()
    return meeting, persons


def test_awkward_addresses_never_stop_a_convocation(
    app: Flask, client: FlaskClient, lozere: None, login: Callable[..., User], smtp_server: SmtpSink
) -> None:
    meeting, _ = _meeting_with_awkward_invitees(app)
    login(UserRole.ORGANISATEUR)
    page = client.get(f"/reunions/{meeting.id}").get_data(as_text=True)
    # Item 7, before convoking: said on the list.
    assert "Économie a l&#39;adresse de l&#39;organisateur (economie@lozere.fr)" in page

    url = f"/reunions/{meeting.id}/invitations"
    response = client.post(f"/reunions/{meeting.id}/convoquer", data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 303
    drain(SmtpSettings.from_config(app.config))

    emailed = [i for i in services.invitations_of(meeting) if i.channel == Channel.EMAIL]
    received = _received(smtp_server)
    assert len(received) == len(emailed) - 2  # all but the two that cannot be written

    # IDNA domain: envelope, To: and ATTENDEE in their ASCII form; the name comes back whole.
    recipients, message = received[IDNA]
    assert recipients == [IDNA]
    assert message["To"].addresses[0].display_name == "Zoë Dupré-O'Brien"
    calendar = _calendar(message)
    event = vobject.readOne(calendar.decode("utf-8"), validate=True)
    assert event.vevent.attendee.value == f"mailto:{IDNA}"
    # The organiser's full name (not "DATE") and a From: display name.
    assert event.vevent.organizer.params["CN"] == [str(app.config["ORGANIZER_NAME"])]
    assert "Aménagement du Territoire" in str(app.config["ORGANIZER_NAME"])
    assert message["From"].addresses[0].display_name == app.config["ORGANIZER_NAME"]
    if libical_available():
        assert libical_restriction_check(calendar).startswith("VALID")

    _, message = received["o'brien@example.org"]
    assert message["To"].addresses[0].display_name == 'Anne-Laure Martin, dit "Jo"'
    attendee = vobject.readOne(_calendar(message).decode("utf-8"), validate=True).vevent.attendee
    assert attendee.value == "mailto:o'brien@example.org"

    # Old data with control and bidi characters: nothing of them in the headers or the calendar.
    _, message = received["jean.durand@example.org"]
    assert message["To"].addresses[0].display_name == "Jean Durand Aîné"
    calendar = _calendar(message)
    assert "\u202e".encode() not in calendar and b"\x0b" not in calendar
    attendee = vobject.readOne(calendar.decode("utf-8"), validate=True).vevent.attendee
    assert attendee.params["CN"] == ["Jean Durand Aîné"]

    # The two that cannot be written are refused, with the reason, on the page and in the API.
    refused = {
        row.recipient_email: row
        for row in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.state == DeliveryState.REFUSE)
        )
    }
    assert set(refused) == {"élodie.dupre@mairie-lozère.fr", "economie@lozere.fr"}
    assert "accentués avant « @ »" in refused["élodie.dupre@mairie-lozère.fr"].last_reply
    assert "celle de l'organisateur" in refused["economie@lozere.fr"].last_reply
    page = client.get(url).get_data(as_text=True)
    assert "demandez une adresse sans accent avant « @ »" in page
    # A "renvoyer" of such a row sends nothing and stays refused with its reason.
    row = refused["élodie.dupre@mairie-lozère.fr"]
    response = client.post(
        f"/reunions/{meeting.id}/courriels/{row.id}/renvoyer", data={"csrf_token": csrf_token(client, url)}
    )
    assert response.status_code == 303
    before = len(smtp_server.messages)
    drain(SmtpSettings.from_config(app.config))
    assert len(smtp_server.messages) == before
    db.session.refresh(row)
    assert row.state == DeliveryState.REFUSE and "accentués" in row.last_reply


def test_convoke_through_the_api_with_the_organiser_and_an_accented_address(
    app: Flask, client: FlaskClient, lozere: None, api_token: Callable[..., str], smtp_server: SmtpSink
) -> None:
    meeting, persons = _meeting_with_awkward_invitees(app)
    headers = {"Authorization": f"Bearer {api_token(UserRole.ORGANISATEUR)}"}
    response = client.post(f"/api/v1/meetings/{meeting.id}/invitations", headers=headers)
    assert response.status_code == 202, response.get_data(as_text=True)
    items = client.get(f"/api/v1/meetings/{meeting.id}/invitations", headers=headers).get_json()
    by_person = {item["person_id"]: item["delivery"] for item in items}
    assert by_person[persons["organiser"].id]["state"] == "refuse"
    assert "organisateur" in by_person[persons["organiser"].id]["last_reply"]
    assert by_person[persons["local"].id]["state"] == "refuse"
    assert by_person[persons["idna"].id]["state"] == "en_attente"


def test_adding_the_organisers_address_to_a_convoked_meeting(
    app: Flask, lozere: None, smtp_server: SmtpSink
) -> None:
    f.gevaudan_elus()
    meeting = f.meeting("concertation", siren="244800470", starts_at=f.paris(2027, 3, 9, 14))
    db.session.commit()
    services.convoke(meeting, MailContext.from_config(app.config))
    db.session.commit()
    guest = f.person("Économie", email=str(app.config["ORGANIZER_EMAIL"]).upper())
    meeting_invitees.add_invitee(meeting, guest, "Service", None)
    db.session.commit()
    invitation = db.session.scalar(select(Invitation).where(Invitation.person_id == guest.id))
    assert invitation is not None
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.invitation_id == invitation.id))
    assert row is not None and row.state == DeliveryState.REFUSE
    assert "organisateur" in row.last_reply


def test_a_re_added_invitee_gets_a_higher_sequence_than_their_cancel(
    app: Flask, lozere: None, smtp_server: SmtpSink
) -> None:
    f.gevaudan_elus()
    meeting = f.meeting("concertation", siren="244800470", starts_at=f.paris(2027, 3, 9, 14))
    db.session.commit()
    services.convoke(meeting, MailContext.from_config(app.config))
    db.session.commit()
    target = next(i for i in services.invitations_of(meeting) if i.channel == Channel.EMAIL)
    address = target.email
    for _ in range(2):
        meeting_invitees.remove_invitee(meeting, target.person, "Erreur", None)
        db.session.commit()
        meeting_invitees.add_invitee(meeting, target.person, "Rétabli(e)", None)
        db.session.commit()
    drain(SmtpSettings.from_config(app.config))
    mine = []
    for _, _, raw in smtp_server.messages:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        if message["To"].addresses[0].addr_spec == address:
            event = vobject.readOne(_calendar(message).decode("utf-8"), validate=True)
            mine.append((event.method.value, int(event.vevent.sequence.value)))
    assert [method for method, _ in mine] == ["REQUEST", "CANCEL", "REQUEST", "CANCEL", "REQUEST"]
    sequences = [sequence for _, sequence in mine]
    assert sequences == sorted(set(sequences)), sequences  # strictly increasing


def test_control_and_bidi_characters_never_reach_emails_and_feeds(
    app: Flask, client: FlaskClient, lozere: None, smtp_server: SmtpSink
) -> None:
    f.gevaudan_elus()
    # At input (forms and API both build a MeetingInput): dropped.
    meeting = f.meeting(title="Concertation\u000b du\u001c Gévaudan\u0007 \u202eTRAVAUX\u202c")
    assert meeting.title == "Concertation du Gévaudan TRAVAUX"
    assert [item.title for item in meeting.agenda_items] == ["Accueil", "Diagnostic du territoire"]
    # Old data stored before: dropped at output, in the emails and the public feed.
    meeting.title = "Concertation\u000bdu\u001cGévaudan\u0007 \u202eTRAVAUX"
    meeting.location_name = ""
    db.session.commit()
    services.convoke(meeting, MailContext.from_config(app.config))
    db.session.commit()
    drain(SmtpSettings.from_config(app.config))
    _, _, raw = smtp_server.messages[0]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    assert message["Subject"].startswith("Invitation : Concertation du Gévaudan TRAVAUX – mardi 9 mars 2027")
    feed = client.get("/flux/cc/244800470.ics")
    assert feed.status_code == 200
    for calendar in (_calendar(message), feed.data):
        for character in ("\u000b", "\u001c", "\u0007", "\u202e"):
            assert character.encode() not in calendar
        event = vobject.readOne(calendar.decode("utf-8"), validate=True).vevent
        assert event.summary.value == "Concertation du Gévaudan TRAVAUX"
        assert event.location.value == "Lieu à préciser"
        if libical_available():
            output = libical_restriction_check(calendar)
            unfolded = output.replace("\r\n", "\n").replace("\n ", "")
            assert "\nSUMMARY:Concertation du Gévaudan TRAVAUX\n" in unfolded


def test_minutes_diffusion_goes_on_past_an_address_stored_with_accents_before_the_at_sign(
    app: Flask, lozere: None, smtp_server: SmtpSink
) -> None:
    from concertation.minutes.diffusion import diffuse
    from concertation.minutes.minutes import SectionInput, ensure_minutes, update_sections, validate_minutes
    from tests.common.db.minutes import convoked_then_held, mark_held

    elus = [p for p in f.gevaudan_elus() if p.email]
    elus[0].email = "élodie.dupre@mairie-lozère.fr"
    elus[1].email = "maire@mairie-lozère.fr"
    db.session.commit()
    meeting = convoked_then_held(app)
    mark_held(meeting)
    minutes = ensure_minutes(meeting)
    update_sections(minutes, [SectionInput(section_id=minutes.sections[0].id, body="Accueil.")])
    validate_minutes(minutes)
    diffuse(minutes, MailContext.from_config(app.config))
    db.session.commit()
    drain(SmtpSettings.from_config(app.config))
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "compte_rendu")).all()
    by_address = {row.recipient_email: row for row in rows}
    assert by_address["élodie.dupre@mairie-lozère.fr"].state == DeliveryState.REFUSE
    assert "accentués avant « @ »" in by_address["élodie.dupre@mairie-lozère.fr"].last_reply
    assert {row.state for row in rows} == {DeliveryState.REFUSE, DeliveryState.ENVOYE}
    assert by_address["maire@mairie-lozère.fr"].state == DeliveryState.ENVOYE
    assert [IDNA] in [recipients for _, recipients, _ in smtp_server.messages]


def test_relance_goes_on_past_an_address_stored_with_accents_before_the_at_sign(
    app: Flask, lozere: None, smtp_server: SmtpSink
) -> None:
    from concertation.invitations.reminders import send_reminders

    elus = [p for p in f.gevaudan_elus() if p.email]
    elus[0].email = "élodie.dupre@mairie-lozère.fr"
    elus[1].email = "maire@mairie-lozère.fr"
    meeting = f.meeting("concertation")
    db.session.commit()
    ctx = MailContext.from_config(app.config)
    services.convoke(meeting, ctx)
    db.session.commit()
    sent = send_reminders(meeting, ctx, "jeton-de-relance")
    db.session.commit()
    drain(SmtpSettings.from_config(app.config))
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "rappel")).all()
    by_address = {row.recipient_email: row for row in rows}
    assert sent == len(rows) == len([p for p in elus if p.email])
    assert by_address["élodie.dupre@mairie-lozère.fr"].state == DeliveryState.REFUSE
    assert "accentués avant « @ »" in by_address["élodie.dupre@mairie-lozère.fr"].last_reply
    assert by_address["maire@mairie-lozère.fr"].state == DeliveryState.ENVOYE
    others = [row for row in rows if row.recipient_email != "élodie.dupre@mairie-lozère.fr"]
    assert {row.state for row in others} == {DeliveryState.ENVOYE}
