"""The organiser at a desk and the maire on a phone, in a real browser against a real server and SMTP."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select

from concertation.accounts.models import User, UserRole
from concertation.demo import load_demo
from concertation.extensions import db
from concertation.invitations.models import Answer, Invitation
from concertation.meetings.models import Meeting
from concertation.notifications.sender import SmtpSettings, drain
from tests.common.browser import PHONE, CspWatch, Shots, login
from tests.common.db.people import president_of_gevaudan
from tests.common.smtp import SmtpSink, mail_to

pytestmark = pytest.mark.e2e
GEVAUDAN = "244800470"
ACCENTED_DOMAIN = "mairie-lozère.fr"
ACCENTED_ADDRESS = f"secretariat@{ACCENTED_DOMAIN}"
ACCENTED_IDNA = "secretariat@xn--mairie-lozre-6db.fr"


def test_concertation_from_creation_to_answer(
    app: Flask,
    lozere: None,
    live_server: str,
    browser: object,
    smtp_server: SmtpSink,
    make_user: Callable[..., User],
    shots: Shots,
    csp: CspWatch,
) -> None:
    load_demo()
    organiser = make_user(UserRole.ORGANISATEUR)
    president = president_of_gevaudan()
    db.session.commit()
    base = live_server

    desk = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = csp.watch(desk.new_page())
    login(page, base, organiser)
    shots.take(page, "accueil")

    # Create a concertation on the CC du Gévaudan.
    page.goto(f"{base}/reunions/nouvelle?kind=concertation")
    page.get_by_label("Type de réunion").select_option("concertation")
    page.get_by_label("Communauté de communes").select_option(GEVAUDAN)
    page.get_by_label("Titre").fill("Concertation du Gévaudan – diagnostic")
    page.get_by_label("Objet de la concertation").select_option("diagnostic")
    page.get_by_label("Date (jour/mois/année)").fill("2027-03-09")
    page.get_by_label("Heure de début (heure de Paris)").fill("14:00")
    page.get_by_label("Heure de fin (heure de Paris)").fill("17:00")
    page.get_by_label("Nom du lieu").fill("Salle des fêtes de Marvejols")
    page.get_by_label("Ordre du jour").fill("Accueil\nDiagnostic du territoire\nPriorités")
    shots.take(page, "formulaire")
    page.get_by_role("button", name=re.compile("Enregistrer|Créer")).click()
    page.wait_for_url(re.compile(r"/reunions/\d+$"))
    meeting = db.session.scalar(select(Meeting).order_by(Meeting.id.desc()))
    assert meeting is not None and meeting.title == "Concertation du Gévaudan – diagnostic"

    # The computed invitees, with every quality.
    body = page.locator("main").inner_text()
    assert president.last_name in body
    assert "Président" in body and "CC du Gévaudan" in body
    shots.take(page, "reunion-invites")

    # Convoke.
    page.get_by_role("link", name=re.compile("Convoquer")).click()
    page.get_by_role("link", name="Convoquer les invités…").click()
    # The preview: how many emails and letters, and the first email, before confirming.
    assert "courriel(s) et" in page.locator("main").inner_text()
    page.get_by_role("button", name=re.compile("^Confirmer : convoquer")).click()
    page.wait_for_load_state()
    assert "Convocation enregistrée" in page.locator("main").inner_text()
    shots.take(page, "convocation")
    drain(SmtpSettings.from_config(app.config))

    # The demo's mairie with an accented domain is invited like the others: sent in its IDNA form.
    accented = mail_to(smtp_server, ACCENTED_IDNA)
    assert accented["To"].addresses[0].domain == ACCENTED_DOMAIN.encode("idna").decode()
    page.goto(f"{base}/reunions/{meeting.id}/invitations")
    row = page.locator("tr", has_text=ACCENTED_ADDRESS)
    assert row.count() == 1 and "\tEnvoyé\t" in row.inner_text()
    shots.take(page, "envoi-domaine-accentue")

    # The président reads his invitation and answers from his phone.
    message = mail_to(smtp_server, president.email or "")
    assert message["Subject"].startswith("Invitation : Concertation du Gévaudan")
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    link = re.search(r"(http://127\.0\.0\.1:\d+/r/[^\s?]+)\?reponse=represente", text)
    assert link, text
    phone = browser.new_context(**PHONE)  # type: ignore[attr-defined]
    mobile = csp.watch(phone.new_page())
    mobile.goto(link.group(0))
    shots.take(mobile, "telephone-invitation")
    mobile.get_by_label("Représenté(e)", exact=True).check()
    mobile.get_by_label("Représenté(e) par (nom et qualité)").fill("Jeanne Martin, 1re adjointe")
    mobile.get_by_role("button", name="Envoyer ma réponse").click()
    mobile.wait_for_load_state()
    assert "Votre réponse est enregistrée" in mobile.locator("main").inner_text()
    shots.take(mobile, "telephone-reponse")
    phone.close()

    # The organiser sees the answer.
    page.goto(f"{base}/reunions/{meeting.id}/invitations")
    assert "Représenté(e) par Jeanne Martin, 1re adjointe" in page.locator("main").inner_text()
    shots.take(page, "reponses")
    invitation = db.session.scalar(select(Invitation).where(Invitation.person_id == president.id))
    assert invitation is not None and invitation.answer == Answer.REPRESENTE
    desk.close()
    # Every page of the journey, the phone's included, kept within the Content-Security-Policy.
    assert csp.violations == []
