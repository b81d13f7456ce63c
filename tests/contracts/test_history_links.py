"""History lines decided in a meeting name it (title and date in Europe/Paris) on the contract pages."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, date

import pytest
from flask.testing import FlaskClient

from concertation.accounts.models import User, UserRole
from concertation.contracts.enums import ContractStage
from concertation.contracts.history import record_event
from concertation.contracts.origin import Origin
from concertation.extensions import db
from tests.common import db as f
from tests.common.db import contracts as h

pytestmark = pytest.mark.usefixtures("lozere")


def test_contract_pages_name_the_meeting_of_a_history_line(
    client: FlaskClient, login: Callable[..., User]
) -> None:
    login(UserRole.LECTEUR)
    contract = h.contract_at(ContractStage.PROPOSITIONS)
    # 00:30 in Paris is still the day before in UTC: the page must show the Paris day.
    meeting = f.meeting(
        title="Concertation du Gévaudan – propositions", starts_at=f.paris(2026, 11, 10, 0, 30)
    )
    record_event(contract, summary="Décision : étudier la voirie.", origin=Origin(meeting_id=meeting.id))
    record_event(contract, summary="Note sans réunion.", origin=Origin())
    db.session.commit()
    assert meeting.starts_at.astimezone(UTC).date() == date(2026, 11, 9)

    for url in (f"/contrats/{contract.id}", f"/contrats/{contract.id}/historique"):
        page = re.sub(r"\s+", " ", html.unescape(client.get(url).get_data(as_text=True)))
        link = re.search(rf'<a href="/reunions/{meeting.id}">([^<]*)</a>', page)
        assert link is not None, url
        assert link.group(1) == "réunion « Concertation du Gévaudan – propositions » du 10/11/2026"
        assert ">réunion<" not in page
