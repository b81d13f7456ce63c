"""The organiser's poll pages: propose dates on a draft, preview, send, the grid, an answer entered for an
invitee without email, and "Retenir ce créneau" leading to the convocation."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from concertation.accounts.models import User
from concertation.core.roles import UserRole
from concertation.extensions import db
from concertation.meetings.models import Meeting
from concertation.notifications.models import MessageKind, OutboxMessage
from concertation.polls import services
from concertation.polls.models import Poll, PollChoice
from tests.common import db as f
from tests.common.db import polls as p
from tests.common.http import csrf_token


def _outbox(kind: MessageKind) -> int:
    return (
        db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == kind))
        or 0
    )


def test_the_organiser_proposes_sends_enters_and_chooses(
    app: Flask, lozere: None, client: FlaskClient, login: Callable[..., User]
) -> None:
    login()
    meeting = p.draft_meeting()
    detail = client.get(f"/reunions/{meeting.id}").get_data(as_text=True)
    assert "Proposer des dates" in detail
    url = f"/reunions/{meeting.id}/sondage/nouveau"
    token = csrf_token(client, url)
    form = {
        "csrf_token": token,
        "slots-0-day": "2027-03-09",
        "slots-0-start": "14:00",
        "slots-0-end": "17:00",
        "slots-1-day": "2027-03-28",
        "slots-1-start": "02:30",
        "slots-1-end": "05:00",
        "deadline_day": "2027-03-01",
        "message": "Merci de répondre.",
    }
    alone = {k: v for k, v in form.items() if not k.startswith("slots-1")}
    single = client.post(url, data=alone)
    assert single.status_code == 422 and "Proposez au moins 2 créneaux." in single.get_data(as_text=True)
    late = client.post(
        url, data=form | {"slots-1-start": "14:00", "slots-1-end": "17:00", "deadline_day": "2027-03-10"}
    )
    assert late.status_code == 422 and "doit précéder le premier créneau" in late.get_data(as_text=True)
    refused = client.post(url, data=form)
    assert refused.status_code == 422 and "n&#39;existe pas" in refused.get_data(as_text=True)
    form |= {"slots-1-start": "14:00", "slots-1-end": "17:00", "slots-2-day": "2027-05-01"}
    incomplete = client.post(url, data=form)
    assert incomplete.status_code == 422 and "date, début et fin attendus" in incomplete.get_data(
        as_text=True
    )
    form |= {"slots-2-start": "09:00", "slots-2-end": "12:00"}
    created = client.post(url, data=form)
    assert created.status_code == 303 and created.headers["Location"].endswith("/sondage/apercu")
    preview = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "samedi 1er mai 2027, de 9 h à 12 h" in preview and "jour férié" in preview
    assert "À appeler" in preview and _outbox(MessageKind.POLL) == 0
    token = csrf_token(client, f"/reunions/{meeting.id}/sondage/apercu")
    sent = client.post(f"/reunions/{meeting.id}/sondage/envoyer", data={"csrf_token": token})
    assert sent.status_code == 303
    poll = db.session.scalar(select(Poll).where(Poll.meeting_id == meeting.id))
    assert poll is not None and poll.sent_at is not None
    emails = _outbox(MessageKind.POLL)
    assert emails == sum(1 for r in poll.recipients if r.email) > 10
    # A second click sends nothing more.
    client.post(f"/reunions/{meeting.id}/sondage/envoyer", data={"csrf_token": token})
    assert _outbox(MessageKind.POLL) == emails
    # The organiser enters the answer of the invitee without email (phone).
    phoned = next(r for r in poll.recipients if not r.email)
    enter = f"/reunions/{meeting.id}/sondage/reponses/{phoned.id}"
    token = csrf_token(client, enter)
    data = {"csrf_token": token, "comment": "Au téléphone"} | {
        f"slot_{s.id}": ("non" if s.position == 0 else "oui") for s in poll.slots
    }
    assert client.post(enter, data=data).status_code == 303
    db.session.expire_all()
    assert phoned.entered_by_id is not None and len(phoned.answers) == 3
    grid = client.get(f"/reunions/{meeting.id}/sondage").get_data(as_text=True)
    assert phoned.person.full_name in grid and "Retenir ce créneau" in grid and "Au téléphone" in grid
    # "Retenir ce créneau": confirmation, then the convocation page, the "Non" listed.
    choose = f"/reunions/{meeting.id}/sondage/retenir/0"
    confirm = client.get(choose)
    assert confirm.status_code == 200 and "mardi 9 mars 2027" in confirm.get_data(as_text=True)
    token = csrf_token(client, choose)
    chosen = client.post(choose, data={"csrf_token": token})
    assert chosen.status_code == 303 and chosen.headers["Location"].endswith(
        f"/reunions/{meeting.id}/convoquer"
    )
    convoke = client.get(chosen.headers["Location"]).get_data(as_text=True)
    assert "Ont répondu Non au créneau retenu" in convoke and phoned.person.full_name in convoke
    assert _outbox(MessageKind.POLL_RESULT) == emails
    again = client.post(choose, data={"csrf_token": token})
    assert again.status_code == 303 and _outbox(MessageKind.POLL_RESULT) == emails
    found = db.session.get(Meeting, meeting.id)
    assert found is not None and found.starts_at == f.paris(2027, 3, 9, 14)
    assert services.declined_chosen(poll)[0].id == phoned.id
    assert PollChoice.NON in {a.choice for a in phoned.answers}


def test_a_reader_cannot_open_the_organiser_pages(
    app: Flask, lozere: None, client: FlaskClient, login: Callable[..., User]
) -> None:
    poll = p.sent_poll(app)
    login(UserRole.LECTEUR)
    assert client.get(f"/reunions/{poll.meeting_id}/sondage").status_code == 403
    assert client.get(f"/reunions/{poll.meeting_id}/sondage/nouveau").status_code == 403
