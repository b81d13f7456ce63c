"""/api/v1/meetings/{id}/poll: create and send, read the counts and answers, choose a slot."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from concertation.core.roles import UserRole
from concertation.extensions import db
from concertation.meetings.models import Meeting
from concertation.polls import services
from concertation.polls.models import Poll, PollChoice
from tests.common import db as f
from tests.common.db import polls as p
from tests.common.http import bearer

SLOTS = [
    {"starts_at": "2027-03-28T14:00:00", "ends_at": "2027-03-28T17:00:00"},
    {"starts_at": "2027-10-31T14:00:00", "ends_at": "2027-10-31T17:00:00"},
    {"starts_at": "2027-04-06T09:00:00+02:00", "ends_at": "2027-04-06T12:00:00+02:00"},
]


def test_poll_round_trip(
    app: Flask, lozere: None, client: FlaskClient, api_token: Callable[..., str]
) -> None:
    meeting = p.draft_meeting()
    organiser = bearer(api_token(UserRole.ORGANISATEUR))
    reader = bearer(api_token(UserRole.LECTEUR))
    url = f"/api/v1/meetings/{meeting.id}/poll"
    assert client.get(url, headers=reader).status_code == 404
    body = {"slots": SLOTS, "deadline": "2027-03-20T12:00:00", "message": "Vos disponibilités ?"}
    assert client.post(url, json=body, headers=reader).status_code == 403
    one = client.post(url, json={"slots": SLOTS[:1]}, headers=organiser)
    assert one.status_code == 422 and "au moins 2" in one.get_json()["message"]
    late = client.post(url, json=body | {"deadline": "2027-04-01T12:00:00"}, headers=organiser)
    assert late.status_code == 422 and "précéder le premier créneau" in late.get_json()["message"]
    gap = client.post(
        url, json={"slots": [SLOTS[0] | {"starts_at": "2027-03-28T02:30:00"}, SLOTS[1]]}, headers=organiser
    )
    assert gap.status_code == 422 and "n'existe pas" in gap.get_json()["message"]
    created = client.post(url, json=body, headers=organiser)
    assert created.status_code == 201, created.get_json()
    data = created.get_json()
    assert [s["starts_at"] for s in data["slots"]] == [
        "2027-03-28T14:00:00+02:00",
        "2027-04-06T09:00:00+02:00",
        "2027-10-31T14:00:00+01:00",
    ]
    invitees = len(data["invitees"])
    assert all(s["pending"] == invitees and s["yes"] == 0 for s in data["slots"])
    again = client.post(url, json=body, headers=organiser)
    assert again.status_code == 422 and "déjà un sondage" in again.get_json()["message"]
    poll = db.session.get(Poll, data["id"])
    assert poll is not None
    first, second = poll.recipients[0], poll.recipients[1]
    services.answer(first, {s.id: PollChoice.OUI for s in poll.slots}, "")
    services.answer(
        second,
        {s.id: PollChoice.NON if s.position == 2 else PollChoice.SI_NECESSAIRE for s in poll.slots},
        "",
    )
    db.session.commit()
    read = client.get(url, headers=reader).get_json()
    assert [(s["yes"], s["if_needed"], s["no"], s["pending"]) for s in read["slots"]] == [
        (1, 1, 0, invitees - 2),
        (1, 1, 0, invitees - 2),
        (1, 0, 1, invitees - 2),
    ]
    answers = {row["person_id"]: row["answers"] for row in read["invitees"]}
    assert answers[first.person_id] == ["oui", "oui", "oui"]
    assert answers[second.person_id] == ["si_necessaire", "si_necessaire", "non"]
    choose = f"{url}/choose"
    assert client.post(choose, json={"slot": 2}, headers=reader).status_code == 403
    assert client.post(choose, json={"slot": 9}, headers=organiser).status_code == 422
    chosen = client.post(choose, json={"slot": 2}, headers=organiser)
    assert chosen.status_code == 200 and chosen.get_json()["chosen"] == 2
    assert chosen.get_json()["is_open"] is False
    assert client.post(choose, json={"slot": 1}, headers=organiser).status_code == 409
    db.session.expire_all()
    found = db.session.get(Meeting, meeting.id)
    assert found is not None and found.starts_at == f.paris(2027, 10, 31, 14)
