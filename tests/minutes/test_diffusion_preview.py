"""Diffusing a compte rendu shows the recipients and the email before the organiser confirms."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from concertation.accounts.models import User
from concertation.extensions import db
from concertation.minutes.diffusion import recipients
from concertation.minutes.enums import MinutesStatus
from concertation.minutes.minutes import SectionInput, ensure_minutes, update_sections, validate_minutes
from concertation.minutes.models import Minutes
from concertation.notifications.models import OutboxMessage
from tests.common import db as f
from tests.common.db.minutes import convoked_then_held, mark_held
from tests.common.http import csrf_token

pytestmark = pytest.mark.usefixtures("lozere")


def _validated(app: Flask) -> Minutes:
    f.gevaudan_elus()
    meeting = convoked_then_held(app)
    mark_held(meeting)
    minutes = ensure_minutes(meeting)
    update_sections(minutes, [SectionInput(section_id=minutes.sections[0].id, body="Accueil des élus.")])
    validate_minutes(minutes)
    db.session.commit()
    return minutes


def _outbox_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def test_diffusion_asks_for_confirmation_with_the_count_and_the_email(
    app: Flask, client: FlaskClient, login: Callable[..., User]
) -> None:
    minutes = _validated(app)
    meeting_id = minutes.meeting_id
    queued_before = _outbox_count()  # the convocation's emails
    expected = len(recipients(minutes.meeting))
    login()
    page_url = f"/reunions/{meeting_id}/compte-rendu"
    page = client.get(page_url).get_data(as_text=True)
    # The page's button leads to the preview, not straight to the POST that sends.
    assert f'href="{page_url}/diffusion"' in page
    assert f'action="{page_url}/diffusion"' not in page

    preview = client.get(f"{page_url}/diffusion")
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    match = re.search(r"<strong>(\d+)</strong> courriel\(s\)", html)
    assert match and int(match.group(1)) == expected > 5
    assert "srcdoc=" in html and "Accueil des élus." in html
    assert "Compte rendu : " in html  # the subject of the real email
    assert f'action="{page_url}/diffusion"' in html
    db.session.expire_all()
    assert _outbox_count() == queued_before
    assert db.session.get(Minutes, minutes.id).status == MinutesStatus.VALIDE  # type: ignore[union-attr]

    client.post(f"{page_url}/diffusion", data={"csrf_token": csrf_token(client, f"{page_url}/diffusion")})
    db.session.expire_all()
    assert _outbox_count() == queued_before + expected
    # Once diffused, the preview sends the organiser back to the compte rendu.
    assert client.get(f"{page_url}/diffusion").status_code in (302, 303)
