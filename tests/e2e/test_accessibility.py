"""Accessibility: axe-core finds no serious violation on the main pages; the forms work with the keyboard."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from concertation.accounts.models import User, UserRole
from concertation.demo import load_demo
from concertation.extensions import db
from concertation.invitations import services as invitations
from concertation.invitations.tokens import rsvp_url
from concertation.notifications.emails import MailContext
from concertation.polls.tokens import poll_url
from tests.common import db as f
from tests.common.browser import PHONE, CspWatch, Shots, login
from tests.common.db.accounts import TEST_PASSWORD
from tests.common.db.dossiers import GEVAUDAN, contract_of, demo_data, folder, gevaudan_concertation
from tests.common.db.meetings import piece
from tests.common.db.minutes import convoked_then_held, mark_held
from tests.common.db.polls import sent_poll

pytestmark = pytest.mark.e2e
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"


def _serious_violations(page: object) -> list[str]:
    if not AXE.exists():
        pytest.skip("axe-core is not installed (make install runs npm ci in tests/e2e)")
    # Evaluated rather than added as a <script>: the page's CSP refuses inline scripts, not the driver's.
    page.evaluate(AXE.read_text(encoding="utf-8"))  # type: ignore[attr-defined]
    result = page.evaluate(  # type: ignore[attr-defined]
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_main_pages_have_no_serious_axe_violation(
    app: Flask,
    lozere: None,
    live_server: str,
    browser: object,
    make_user: Callable[..., User],
    shots: Shots,
    csp: CspWatch,
) -> None:
    load_demo()
    organiser = make_user(UserRole.ORGANISATEUR)
    meeting = f.meeting("concertation", siren="244800470")
    db.session.commit()
    invitations.convoke(meeting, MailContext.from_config(app.config))
    db.session.commit()
    invitation = invitations.invitations_of(meeting)[-1]
    answer_url = rsvp_url(MailContext.from_config(app.config), invitation.id, meeting.id)

    context = browser.new_context(locale="fr-FR")  # type: ignore[attr-defined]
    page = csp.watch(context.new_page())
    page.goto(f"{live_server}/connexion")
    problems = {"/connexion": _serious_violations(page)}
    login(page, live_server, organiser)
    for path in (
        "/",
        "/reunions/",
        "/reunions/?vue=mois&mois=2027-03",
        "/reunions/nouvelle?kind=concertation",
        f"/reunions/{meeting.id}",
        f"/reunions/{meeting.id}/invitations",
        "/territoire/communes",
        "/elus/",
        "/contrats/",
    ):
        page.goto(live_server + path)
        problems[path] = _serious_violations(page)
        shots.take(page, path.strip("/").replace("/", "-").replace("?", "_") or "accueil")
    context.close()
    phone = browser.new_context(**PHONE)  # type: ignore[attr-defined]
    mobile = csp.watch(phone.new_page())
    mobile.goto(answer_url)
    problems["/r/<jeton>"] = _serious_violations(mobile)
    phone.close()
    failing = {path: found for path, found in problems.items() if found}
    (shots.directory / "axe-violations.json").write_text(json.dumps(failing, indent=2, ensure_ascii=False))
    assert failing == {}
    assert csp.violations == []


def test_login_and_answer_forms_work_with_the_keyboard_only(
    app: Flask, lozere: None, live_server: str, browser: object, make_user: Callable[..., User]
) -> None:
    organiser = make_user(UserRole.ORGANISATEUR)
    f.gevaudan_elus(without_email=0)
    meeting = f.meeting("concertation", siren="244800470")
    db.session.commit()
    invitations.convoke(meeting, MailContext.from_config(app.config))
    db.session.commit()
    invitation = invitations.invitations_of(meeting)[0]

    context = browser.new_context(locale="fr-FR")  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(f"{live_server}/connexion")
    # Tab from the top of the page: skip link first, then the form's fields in order.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Aller au contenu"
    page.focus("#email")
    page.keyboard.type(organiser.email)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/")
    assert organiser.email in page.locator("nav").inner_text()

    page.goto(rsvp_url(MailContext.from_config(app.config), invitation.id, meeting.id))
    page.focus("input[name=answer][value=present]")
    page.keyboard.press("Space")
    assert page.is_checked("input[name=answer][value=present]")
    page.focus("#comment")
    page.keyboard.type("Je serai là.")
    page.focus("main button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Votre réponse est enregistrée" in page.locator("main").inner_text()
    db.session.refresh(invitation)
    assert invitation.answer == "present" and invitation.comment == "Je serai là."
    context.close()


def test_pages_of_contracts_minutes_polls_and_documents_have_no_serious_axe_violation(
    app: Flask,
    lozere: None,
    live_server: str,
    browser: object,
    make_user: Callable[..., User],
    shots: Shots,
    csp: CspWatch,
) -> None:
    """The pages added after the first check: a contract and its fiche projet, the attendance, decisions
    and minutes of a held meeting, the poll's form and grid, the documents; the élu's poll and documents
    pages on a phone."""
    demo_data()
    organiser = make_user(UserRole.ORGANISATEUR)
    ctx = MailContext.from_config(app.config)
    contract = contract_of(GEVAUDAN)
    held = convoked_then_held(app, title="Concertation d'Aumont-Aubrac")
    mark_held(held)
    convoked = gevaudan_concertation()
    piece(convoked, folder(app), title="Note de présentation — l'école")
    invitations.convoke(convoked, ctx)
    draft = f.meeting("concertation", siren=GEVAUDAN, title="Concertation : les dates")
    db.session.commit()
    poll = sent_poll(app)
    recipient = poll.recipients[0]
    invitation = invitations.invitations_of(convoked)[0]
    phone_pages = {
        "/s/<jeton>": poll_url(ctx, recipient.id, poll.id),
        "/r/<jeton>/documents": rsvp_url(ctx, invitation.id, convoked.id) + "/documents",
    }

    context = browser.new_context(locale="fr-FR")  # type: ignore[attr-defined]
    page = csp.watch(context.new_page())
    login(page, live_server, organiser)
    problems: dict[str, list[str]] = {}
    for path in (
        f"/contrats/{contract.id}",
        f"/contrats/{contract.id}/projets/{contract.projects[0].id}",
        f"/contrats/{contract.id}/historique",
        f"/reunions/{held.id}/emargement",
        f"/reunions/{held.id}/decisions",
        f"/reunions/{held.id}/compte-rendu",
        f"/reunions/{convoked.id}",
        f"/reunions/{convoked.id}/documents/nouveau",
        f"/reunions/{draft.id}/sondage/nouveau",
        f"/reunions/{poll.meeting_id}/sondage",
    ):
        page.goto(live_server + path)
        assert page.locator("main").count() == 1, path
        problems[path] = _serious_violations(page)
        shots.take(page, "recent-" + path.strip("/").replace("/", "-"))
    context.close()
    phone = browser.new_context(**PHONE)  # type: ignore[attr-defined]
    mobile = csp.watch(phone.new_page())
    for name, url in phone_pages.items():
        mobile.goto(url)
        problems[name] = _serious_violations(mobile)
        shots.take(mobile, "recent-phone-" + re.sub(r"[^a-z]+", "-", name).strip("-"))
    phone.close()
    failing = {path: found for path, found in problems.items() if found}
    report = json.dumps(failing, indent=2, ensure_ascii=False)
    (shots.directory / "axe-violations-recent.json").write_text(report)
    assert failing == {}
    assert csp.violations == []
