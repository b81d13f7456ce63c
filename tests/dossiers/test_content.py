"""The dossier's text, read back from the PDF: the contract's figures as its own page shows them."""

from __future__ import annotations

import html
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from concertation.accounts.models import User, UserRole
from concertation.contracts.money import format_euros
from concertation.contracts.plan import financial_plan
from concertation.dossiers.services import generate_dossier
from concertation.extensions import db
from tests.common.db import dossiers as d
from tests.common.pdf import flat, pdf_text

pytestmark = pytest.mark.usefixtures("lozere")


def test_gevaudan_dossier_holds_the_plan_as_on_the_contract_page(
    app: Flask, client: FlaskClient, login: Callable[..., User]
) -> None:
    d.demo_data()
    meeting = d.gevaudan_concertation()
    document = generate_dossier(meeting, folder=d.folder(app))
    db.session.commit()
    text = flat(pdf_text((d.folder(app) / str(meeting.id) / document.stored_name).read_bytes()))
    print(text[:3000])
    contract = meeting.contract
    assert contract is not None
    login(UserRole.LECTEUR)
    page = flat(html.unescape(client.get(f"/contrats/{contract.id}").get_data(as_text=True)))
    plan = financial_plan(contract)
    assert plan.lines
    for line in plan.lines:
        assert line.title in page and flat(format_euros(line.grant)) in page
        assert flat(line.title) in text, line.title
        assert flat(format_euros(line.grant)) in text
    assert flat(format_euros(plan.total.grant)) in page and flat(format_euros(plan.total.grant)) in text
