"""Paper letters: how they address the élu, their place and date, signatory and short answer address."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from concertation.accounts.models import User
from concertation.core.timeutils import today_paris
from concertation.extensions import db
from concertation.invitations import services
from concertation.invitations.letters import letter_date, salutation, short_code
from concertation.invitations.models import Channel
from concertation.invitations.tokens import rsvp_url
from concertation.notifications.emails import MailContext
from tests.common import db as f


@pytest.mark.parametrize(
    ("civility", "qualities", "expected"),
    [
        ("Mme", ["Maire de Mende"], "Madame la Maire"),
        ("M.", ["Maire de Marvejols", "Président de la CC du Gévaudan"], "Monsieur le Maire"),
        ("Mme", ["Maire déléguée de Chanac"], "Madame la Maire déléguée"),
        ("M.", ["Président de la communauté de communes du Gévaudan"], "Monsieur le Président"),
        ("Mme", ["Vice-présidente de la CC"], "Madame la Vice-présidente"),
        ("Mme", ["Conseillère départementale (Marvejols)"], "Madame la Conseillère départementale"),
        ("M.", ["Adjoint au maire de Florac"], "Monsieur l'Adjoint"),
        ("Mme", ["Invité(e) du Département"], "Madame"),
        ("", ["Maire de Mende"], "Madame, Monsieur"),
    ],
)
def test_salutation_by_civility_and_main_quality(civility: str, qualities: list[str], expected: str) -> None:
    assert salutation(civility, qualities) == expected


def test_letter_date_in_french() -> None:
    assert letter_date(date(2026, 12, 3)) == "3 décembre 2026"
    assert letter_date(date(2027, 3, 1)) == "1er mars 2027"


def _pdf(client: FlaskClient, meeting_id: int) -> str:
    response = client.get(f"/reunions/{meeting_id}/courriers.pdf")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_letters_address_the_maire_with_place_date_signatory_and_short_address(
    app: Flask, client: FlaskClient, lozere: None, login: Callable[..., User]
) -> None:
    f.gevaudan_elus(without_email=2)
    meeting = f.meeting("concertation", siren="244800470", starts_at=f.paris(2027, 3, 9, 14))
    db.session.commit()
    services.convoke(meeting, MailContext.from_config(app.config))
    db.session.commit()
    app.config.update(PUBLIC_URL="https://concertation.lozere.fr", LETTER_SIGNATORY="Jeanne Martin")
    login()
    text = _pdf(client, meeting.id)
    assert f"Mende, le {letter_date(today_paris())}" in text
    # The factories' maires are "M.": greeting and closing formula of each of the two letters.
    assert text.count("Monsieur le Maire,") == 4
    assert text.count("agréer, Monsieur le Maire, l'expression") == 2
    assert "Pour la Présidente du Conseil départemental et par délégation," in text
    assert "Jeanne Martin" in text
    paper = [i for i in services.invitations_of(meeting) if i.channel == Channel.PAPER]
    for invitation in paper:
        address = (
            f"concertation.lozere.fr/c/{invitation.id}-{short_code(app.config['SECRET_KEY'], invitation.id)}"
        )
        assert address in text and len(address) < 45
    assert "/r/" not in text

    # The short address leads to the invitation's own answer page.
    invitation = paper[0]
    code = short_code(app.config["SECRET_KEY"], invitation.id)
    response = client.get(f"/c/{invitation.id}-{code.lower()}")
    assert response.status_code == 303
    assert response.headers["Location"] == rsvp_url(
        MailContext.from_config(app.config), invitation.id, meeting.id
    )
    assert client.get(f"/c/{invitation.id}-AAAAAAAA").status_code == 404
    assert client.get(f"/c/{paper[1].id}-{code}").status_code == 404
