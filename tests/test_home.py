"""The home page lists the work waiting for the organiser, in a bounded number of SQL statements."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from concertation.accounts.models import User, UserRole
from concertation.extensions import db
from concertation.invitations import services
from concertation.meetings.models import Meeting
from concertation.minutes.enums import ActionStatus
from concertation.minutes.models import ActionItem
from concertation.notifications.emails import MailContext
from concertation.notifications.models import DeliveryState, OutboxMessage
from tests.common import db as f
from tests.common.db.minutes import mark_held


@contextmanager
def _statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _section(page: str, name: str) -> str:
    match = re.search(rf'<ul class="list-unstyled mb-0" data-home="{name}">(.*?)</ul>', page, re.S)
    return match.group(1) if match else ""


def _journey(app: Flask) -> dict[str, Meeting]:
    """A draft, a convoked meeting without answers, a past one without minutes, an action, a failure."""
    f.gevaudan_elus()
    ctx = MailContext.from_config(app.config)
    draft = f.meeting(title="Brouillon du Gévaudan", starts_at=f.paris(2027, 4, 6, 14))
    convoked = f.meeting(title="Concertation convoquée", starts_at=f.paris(2027, 3, 9, 14))
    held = f.meeting(title="Concertation passée", starts_at=f.paris(2027, 2, 2, 14))
    db.session.commit()
    services.convoke(convoked, ctx)
    services.convoke(held, ctx)
    db.session.commit()
    mark_held(held)
    db.session.add(
        ActionItem(
            meeting_id=held.id,
            title="Chiffrer la voirie",
            owner_service="DATE",
            due_on=date(2026, 11, 20),
            status=ActionStatus.A_FAIRE,
        )
    )
    db.session.add(
        ActionItem(
            meeting_id=held.id,
            title="Action lointaine",
            owner_service="DATE",
            due_on=date(2030, 1, 1),
            status=ActionStatus.A_FAIRE,
        )
    )
    message = db.session.query(OutboxMessage).filter_by(meeting_id=convoked.id).first()
    assert message is not None
    message.state = DeliveryState.REFUSE
    message.attempts = 1
    message.last_reply = "550 Utilisateur inconnu"
    db.session.commit()
    return {"draft": draft, "convoked": convoked, "held": held, "refused": message}  # type: ignore[dict-item]


def test_home_lists_the_organisers_work_with_links(
    app: Flask, client: FlaskClient, lozere: None, login: Callable[..., User]
) -> None:
    found = _journey(app)
    login()
    with _statements() as statements:
        page = client.get("/").get_data(as_text=True)
    draft, convoked, held = found["draft"], found["convoked"], found["held"]
    assert f"/reunions/{convoked.id}" in _section(page, "prochaines")
    assert f"/reunions/{draft.id}/convoquer" in _section(page, "brouillons")
    unanswered = _section(page, "sans-reponse")
    assert f"/reunions/{convoked.id}/invitations?reponse=en_attente" in unanswered
    assert re.search(r"\b\d+ sans réponse", unanswered)
    assert f"/reunions/{held.id}/compte-rendu" in _section(page, "comptes-rendus")
    actions = _section(page, "actions")
    assert "Chiffrer la voirie" in actions and "en retard" in actions and "Action lointaine" not in actions
    failed = _section(page, "echecs")
    assert f"/reunions/{convoked.id}/invitations" in failed and "Refusé" in failed
    assert 'href=""' not in page
    # Cheap: the user, the counters and one statement per list, whatever the amount of data.
    assert len(statements) <= 10, statements


def test_home_for_a_lecteur_shows_only_what_it_may_see(
    app: Flask, client: FlaskClient, lozere: None, login: Callable[..., User]
) -> None:
    found = _journey(app)
    login(UserRole.LECTEUR)
    page = client.get("/").get_data(as_text=True)
    assert f"/reunions/{found['convoked'].id}" in _section(page, "prochaines")
    assert "Chiffrer la voirie" in _section(page, "actions")
    for hidden in ("brouillons", "sans-reponse", "echecs"):
        assert f'id="{hidden}"' not in page
    assert "550 Utilisateur inconnu" not in page and "Brouillon du Gévaudan" not in page
    # Every link of the page opens for a lecteur.
    for href in set(re.findall(r'href="(/[^"]*)"', page)):
        if href.startswith(("/static", "/bootstrap", "/deconnexion")):
            continue
        assert client.get(href).status_code < 400, href
