"""The élu's answer page refuses in French what its form cannot take, and records nothing."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from concertation.extensions import db
from concertation.invitations import services
from concertation.invitations.models import Answer, Invitation
from concertation.invitations.tokens import rsvp_url
from concertation.notifications.emails import MailContext
from tests.common import db as f
from tests.common.http import csrf_token


def test_unknown_answer_is_refused_in_french(app: Flask, client: FlaskClient, lozere: None) -> None:
    """WTForms said "Not a valid choice." in English: the form had no French translations."""
    f.gevaudan_elus()
    meeting = f.meeting("concertation", siren="244800470", starts_at=f.paris(2027, 3, 9, 14))
    db.session.commit()
    ctx = MailContext.from_config(app.config)
    services.convoke(meeting, ctx)
    db.session.commit()
    invitation = db.session.scalars(select(Invitation).order_by(Invitation.id)).first()
    assert invitation is not None
    path = "/r/" + rsvp_url(ctx, invitation.id, meeting.id).rsplit("/r/", 1)[1]
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "answer": "peut-être"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "N&#39;est pas un choix valide." in page
    assert "Not a valid choice" not in page
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).answer == Answer.EN_ATTENTE  # type: ignore[union-attr]
