"""The meeting page's list is rendered once per composition version and stays exact when data changes."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from concertation.accounts.models import User, UserRole
from concertation.extensions import db
from concertation.invitations.models import Invitation
from concertation.meetings.invitees import freeze_invitees
from concertation.meetings.models import Meeting
from concertation.people.models import Person, Role
from tests.common import db as f
from tests.common.db.accounts import TEST_PASSWORD
from tests.common.http import csrf_token

GEVAUDAN = "244800470"
Login = Callable[..., User]


def _statements(client: FlaskClient, url: str) -> tuple[str, list[str]]:
    seen: list[str] = []

    def on_execute(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", on_execute)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", on_execute)
    assert response.status_code == 200
    return response.get_data(as_text=True), seen


def _convoked(lozere: None) -> tuple[Meeting, dict[str, Person]]:
    maires: dict[str, Person] = {}
    for code in ("48092", "48099", "48103"):
        maires[code] = f.person(f"Maire{code}")
        f.mandate(maires[code], Role.MAIRE, f.commune(code))
    meeting = f.meeting("concertation", siren=GEVAUDAN)
    freeze_invitees(meeting)
    db.session.commit()
    return meeting, maires


def _without_form_tokens(page: str) -> str:
    """The page with its CSRF tokens blanked: a token carries the second it was signed, so two views
    a second apart differ there and nowhere else."""
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', r'\1"', page)


def _invitees_part(page: str) -> str:
    return page[page.index('id="invites"') :]


def test_second_view_reads_no_list_and_later_writes_show_at_once(
    client: FlaskClient, login: Login, lozere: None
) -> None:
    login(UserRole.ORGANISATEUR)
    meeting, maires = _convoked(lozere)
    url = f"/reunions/{meeting.id}"
    first, first_statements = _statements(client, url)
    again, statements = _statements(client, url)
    assert _without_form_tokens(again) == _without_form_tokens(first)
    assert len(statements) < len(first_statements)
    assert not [s for s in statements if "territory_epcis" in s or "meeting_invitee" in s], statements

    # A name changed after the page was cached is shown by the next view.
    maires["48092"].last_name = "Renommé"
    db.session.commit()
    page, _ = _statements(client, url)
    assert "Renommé" in _invitees_part(page) and "Maire48092" not in page

    # A mandate ended after the convocation makes the frozen list out of date.
    mandate = maires["48099"].mandates[0]
    mandate.ends_on = date(2027, 1, 31)
    db.session.commit()
    page, _ = _statements(client, url)
    assert "La liste envoyée n'est plus à jour" in page and "Seraient retirés" in page


def test_an_answer_does_not_invalidate_the_list(
    app: Flask, client: FlaskClient, login: Login, lozere: None
) -> None:
    from concertation.invitations.services import convoke
    from concertation.notifications.emails import MailContext

    login(UserRole.ORGANISATEUR)
    meeting = _draft(lozere)
    convoke(meeting, MailContext.from_config(app.config))
    db.session.commit()
    url = f"/reunions/{meeting.id}"
    _statements(client, url)
    invitation = db.session.scalars(db.select(Invitation).where(Invitation.meeting_id == meeting.id)).first()
    assert invitation is not None
    invitation.comment = "Je viendrai avec mon adjoint."
    db.session.commit()
    _, statements = _statements(client, url)
    assert not [s for s in statements if "territory_epcis" in s], statements


def _draft(lozere: None) -> Meeting:
    for code in ("48092", "48099"):
        f.mandate(f.person(f"Maire{code}"), Role.MAIRE, f.commune(code))
    meeting = f.meeting("concertation", siren=GEVAUDAN, starts_at=f.paris(2027, 3, 9))
    db.session.commit()
    return meeting


def _token_of(page: str) -> set[str]:
    return set(re.findall(r'name="csrf_token" value="([^"]+)"', page))


def test_each_reader_gets_their_own_token_and_rights(
    app: Flask, client: FlaskClient, login: Login, make_user: Callable[..., User], lozere: None
) -> None:
    login(UserRole.ORGANISATEUR)
    meeting, maires = _convoked(lozere)
    url = f"/reunions/{meeting.id}"
    mine = _token_of(client.get(url).get_data(as_text=True))
    assert len(mine) == 1

    # Each reader in an app context of their own: the test's context (and its `g`) holds the first login.
    with app.app_context():
        other = app.test_client()
        _log_in(other, make_user(UserRole.ORGANISATEUR))
        page = other.get(url).get_data(as_text=True)
        theirs = _token_of(page)
        assert len(theirs) == 1 and theirs != mine and "\x00" not in page
        removed = other.post(
            url + "/invites/retrait",
            data={"csrf_token": theirs.pop(), "person_id": maires["48103"].id, "reason": "Excusé"},
            follow_redirects=True,
        ).get_data(as_text=True)
    assert "est retiré(e) de la liste des invités" in removed
    assert "Excusé" in _invitees_part(removed)

    with app.app_context():
        reader = app.test_client()
        _log_in(reader, make_user(UserRole.LECTEUR))
        page = reader.get(url).get_data(as_text=True)
    assert "Retirer de la liste" not in page and "\x00" not in page
    assert "Maire48092" in _invitees_part(page)


def _log_in(client: FlaskClient, user: User) -> None:
    token = csrf_token(client, "/connexion")
    response = client.post(
        "/connexion", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303
