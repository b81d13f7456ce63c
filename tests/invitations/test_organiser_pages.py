"""The organiser's invitations page: answer counts and filter, the relance sent once per click, the
answers in the CSV, the preview before convoking, and the personal calendar feed's address."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import re
import threading
from collections.abc import Callable
from email.message import EmailMessage

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from concertation.accounts.audit import AuditAction
from concertation.accounts.models import User
from concertation.extensions import db
from concertation.invitations import services
from concertation.invitations.models import Answer, AnswerSource, Channel, Invitation
from concertation.invitations.tokens import rsvp_url
from concertation.meetings.models import Meeting, MeetingStatus
from concertation.notifications.emails import MailContext
from concertation.notifications.feeds import person_feed_token
from concertation.notifications.models import MessageKind, OutboxMessage
from concertation.notifications.sender import SmtpSettings, drain
from tests.common import db as f
from tests.common.db.accounts import journal
from tests.common.http import csrf_token
from tests.common.smtp import SmtpSink


def _ctx(app: Flask) -> MailContext:
    return MailContext.from_config(app.config)


def _draft(without_email: int = 2) -> Meeting:
    f.gevaudan_elus(without_email=without_email)
    meeting = f.meeting("concertation", siren="244800470", starts_at=f.paris(2027, 3, 9, 14))
    db.session.commit()
    return meeting


def _convoked(app: Flask) -> Meeting:
    meeting = _draft()
    services.convoke(meeting, _ctx(app))
    db.session.commit()
    return meeting


def _answered(meeting: Meeting) -> dict[str, list[Invitation]]:
    """Two present, one represented, one absent, one maybe; the rest (paper ones included) unanswered."""
    emailed = [i for i in services.invitations_of(meeting) if i.channel == Channel.EMAIL]
    plan = [Answer.PRESENT, Answer.PRESENT, Answer.REPRESENTE, Answer.ABSENT, Answer.PEUT_ETRE]
    for invitation, answer in zip(emailed, plan, strict=False):
        services.record_answer(
            invitation,
            answer,
            source=AnswerSource.LINK,
            represented_by="Son adjoint" if answer is Answer.REPRESENTE else "",
        )
    db.session.commit()
    groups: dict[str, list[Invitation]] = {}
    for invitation in services.invitations_of(meeting):
        groups.setdefault(str(invitation.answer), []).append(invitation)
    return groups


def _outbox(kind: MessageKind) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def _remind_form(client: FlaskClient, meeting: Meeting) -> dict[str, str]:
    page = client.get(f"/reunions/{meeting.id}/invitations").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    token = re.search(r'name="token"[^>]*value="([^"]+)"', page)
    assert csrf and token, "no relance form on the page"
    return {"csrf_token": csrf.group(1), "token": token.group(1)}


# --- Item 12: counts, filter, relance, CSV -----------------------------------------------------------


def test_invitations_page_counts_answers_and_filters_by_answer(
    app: Flask, client: FlaskClient, lozere: None, login: Callable[..., User]
) -> None:
    meeting = _convoked(app)
    groups = _answered(meeting)
    login()
    page = client.get(f"/reunions/{meeting.id}/invitations").get_data(as_text=True)
    unanswered = len(groups["en_attente"])
    assert unanswered > 2
    for label, n in (
        ("Présents", 2),
        ("Représentés", 1),
        ("Absents", 1),
        ("Peut-être", 1),
        ("Sans réponse", unanswered),
        ("Courrier papier", 2),
    ):
        assert re.search(rf"{label} : <strong>{n}</strong>", page), label

    absent = client.get(f"/reunions/{meeting.id}/invitations?reponse=absent").get_data(as_text=True)
    names = re.findall(r"<tr>\s*<td>([^<]+)</td>", absent)
    assert names == [groups["absent"][0].person.display_name]
    paper = client.get(f"/reunions/{meeting.id}/invitations?reponse=papier").get_data(as_text=True)
    assert len(re.findall(r"<tr>\s*<td>", paper)) == 2
    # An unknown filter shows everything rather than failing.
    assert client.get(f"/reunions/{meeting.id}/invitations?reponse=inconnue").status_code == 200


def test_relance_emails_each_unanswered_invitee_with_an_address_once(
    app: Flask, client: FlaskClient, lozere: None, login: Callable[..., User], smtp_server: SmtpSink
) -> None:
    meeting = _convoked(app)
    groups = _answered(meeting)
    expected = sorted(i.email or "" for i in groups["en_attente"] if i.channel == Channel.EMAIL)
    organiser = login()
    form = _remind_form(client, meeting)
    first = client.post(f"/reunions/{meeting.id}/relance", data=form)
    assert first.status_code == 303
    # The same form again (double click, reload of the POST) sends nothing more.
    again = client.post(f"/reunions/{meeting.id}/relance", data=form, follow_redirects=True)
    assert "déjà été envoyée" in again.get_data(as_text=True)
    # The journal says who wrote to the élus, once.
    assert journal(AuditAction.REMINDER) == [
        (organiser.email, meeting.journal_label, f"{len(expected)} courriel(s)")
    ]

    queued = _outbox(MessageKind.REMINDER)
    assert sorted(m.recipient_email for m in queued) == expected
    drain(SmtpSettings.from_config(app.config))
    received = [
        email.message_from_bytes(raw, policy=email.policy.default) for _, _, raw in smtp_server.messages
    ]
    relances = [m for m in received if str(m["Subject"]).startswith("Relance : ")]
    assert sorted(str(m["To"].addresses[0].addr_spec) for m in relances) == expected
    assert isinstance(relances[0], EmailMessage)
    body = relances[0].get_body(("plain",))
    assert body is not None and "/r/" in body.get_content() and "webcal://" in body.get_content()

    # A new click (a new form) is a new relance, for those still without answer.
    client.post(f"/reunions/{meeting.id}/relance", data=_remind_form(client, meeting))
    assert len(_outbox(MessageKind.REMINDER)) == 2 * len(expected)


def test_simultaneous_relance_submits_send_once(
    app: Flask, client: FlaskClient, lozere: None, login: Callable[..., User]
) -> None:
    meeting = _convoked(app)
    unanswered = len([i for i in services.invitations_of(meeting) if i.channel == Channel.EMAIL])
    login()
    form = _remind_form(client, meeting)
    cookie = client.get_cookie("session")
    assert cookie is not None
    statuses: list[int] = []

    def submit() -> None:
        other = app.test_client()
        other.set_cookie("session", cookie.value)
        with app.app_context():
            statuses.append(other.post(f"/reunions/{meeting.id}/relance", data=form).status_code)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303] * 4
    db.session.expire_all()
    assert len(_outbox(MessageKind.REMINDER)) == unanswered


def test_relance_of_a_draft_is_refused_in_french(
    app: Flask, client: FlaskClient, lozere: None, login: Callable[..., User]
) -> None:
    meeting = _draft()
    login()
    data = {"csrf_token": csrf_token(client, f"/reunions/{meeting.id}/invitations"), "token": "abc"}
    response = client.post(f"/reunions/{meeting.id}/relance", data=data, follow_redirects=True)
    assert "Seule une réunion convoquée" in response.get_data(as_text=True)
    assert _outbox(MessageKind.REMINDER) == []


def test_invitee_csv_carries_the_answer(
    app: Flask, client: FlaskClient, lozere: None, login: Callable[..., User]
) -> None:
    meeting = _convoked(app)
    groups = _answered(meeting)
    login()
    response = client.get(f"/reunions/{meeting.id}/invitations.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert "Réponse" in header
    column = header.index("Réponse")
    by_name = {row[header.index("Nom")]: row[column] for row in body}
    represented = groups["represente"][0].person
    assert by_name[represented.last_name] == "Représenté(e) par Son adjoint"
    assert by_name[groups["absent"][0].person.last_name] == "Absent(e)"
    assert sum(1 for value in by_name.values() if value == "Sans réponse") == len(groups["en_attente"])
    # The meeting page's export of a convoked meeting is this one.
    detail = client.get(f"/reunions/{meeting.id}").get_data(as_text=True)
    assert f"/reunions/{meeting.id}/invitations.csv" in detail


# --- Item 13: preview before convoking ---------------------------------------------------------------


def test_convoke_preview_counts_recipients_and_shows_the_first_email_without_writing(
    app: Flask, client: FlaskClient, lozere: None, login: Callable[..., User]
) -> None:
    meeting = _draft(without_email=2)
    login()
    index = client.get(f"/reunions/{meeting.id}/invitations").get_data(as_text=True)
    # The page's button leads to the preview, not straight to the POST that sends.
    assert f'href="/reunions/{meeting.id}/convoquer"' in index
    assert f'action="/reunions/{meeting.id}/convoquer"' not in index

    page = client.get(f"/reunions/{meeting.id}/convoquer")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    persons = len(f.epci("244800470").communes_on(meeting.on))
    match = re.search(r"<strong>(\d+)</strong> courriel\(s\) et <strong>(\d+)</strong> courrier", html)
    assert match and int(match.group(2)) == 2 and int(match.group(1)) > persons - 2
    assert "srcdoc=" in html and "Votre réponse" in html
    assert "Invitation : Concertation" in html  # the subject of the real email
    assert "Vous êtes invité(e) en qualité de" in html  # the text part, from the real template
    assert f'action="/reunions/{meeting.id}/convoquer"' in html
    # Nothing was written: no invitation, no email, the list not frozen, the meeting still a draft.
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert db.session.get(Meeting, meeting.id).status == MeetingStatus.BROUILLON  # type: ignore[union-attr]

    client.post(f"/reunions/{meeting.id}/convoquer", data={"csrf_token": csrf_token(client, "/")})
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == MeetingStatus.CONVOQUEE  # type: ignore[union-attr]
    # Once convoked, the preview page sends the organiser back to the invitations.
    assert client.get(f"/reunions/{meeting.id}/convoquer").status_code == 303


# --- Item 16: the personal calendar feed's address ---------------------------------------------------


def test_answer_page_email_and_letter_give_the_personal_feed_address(
    app: Flask, client: FlaskClient, lozere: None, login: Callable[..., User], smtp_server: SmtpSink
) -> None:
    meeting = _convoked(app)
    invitation = next(i for i in services.invitations_of(meeting) if i.channel == Channel.EMAIL)
    ctx = _ctx(app)
    token = person_feed_token(ctx.secret_key, invitation.person_id)
    https = f"{ctx.public_url}/flux/personne/{token}.ics"
    webcal = "webcal://" + https.split("://", 1)[1]

    rsvp = rsvp_url(ctx, invitation.id, meeting.id)
    page = client.get(rsvp.removeprefix(ctx.public_url)).get_data(as_text=True)
    assert 'href=""' not in page
    assert f'href="{webcal}"' in page and https in page
    # The page still works on the feed it names.
    feed = client.get(f"/flux/personne/{token}.ics")
    assert feed.status_code == 200 and b"BEGIN:VCALENDAR" in feed.data

    drain(SmtpSettings.from_config(app.config))
    mine = next(
        email.message_from_bytes(raw, policy=email.policy.default)
        for _, to, raw in smtp_server.messages
        if to == [invitation.email]
    )
    assert isinstance(mine, EmailMessage)
    text, html = mine.get_body(("plain",)), mine.get_body(("html",))
    assert text is not None and html is not None
    assert webcal in text.get_content() and https in text.get_content()
    assert f'href="{webcal}"' in html.get_content()


def test_paper_letter_prints_the_feed_address(
    app: Flask, client: FlaskClient, lozere: None, login: Callable[..., User]
) -> None:
    from pypdf import PdfReader

    meeting = _convoked(app)
    login()
    response = client.get(f"/reunions/{meeting.id}/courriers.pdf")
    text = re.sub(r"\s+", "", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages))
    paper = [i for i in services.invitations_of(meeting) if i.channel == Channel.PAPER]
    for invitation in paper:
        token = person_feed_token(app.config["SECRET_KEY"], invitation.person_id)
        assert f"/flux/personne/{token}.ics" in text


def test_town_and_cc_pages_link_their_public_feeds(
    app: Flask, client: FlaskClient, lozere: None, login: Callable[..., User]
) -> None:
    login()
    gevaudan = f.epci("244800470")
    page = client.get(f"/territoire/intercommunalites/{gevaudan.id}").get_data(as_text=True)
    assert "/flux/cc/244800470.ics" in page and "webcal://" in page
    marvejols = f.commune("48092")
    page = client.get(f"/territoire/communes/{marvejols.id}").get_data(as_text=True)
    assert "/flux/ville/48092.ics" in page
    assert client.get("/flux/ville/48092.ics").status_code == 200
    assert client.get("/flux/cc/244800470.ics").status_code == 200
