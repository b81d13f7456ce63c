"""After the meeting, in a real browser: attendance, minutes with a priority decision, diffusion by real
SMTP with the PDF attached, and the decision on the contract page and its chronology."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from concertation.accounts.models import User, UserRole
from concertation.contracts.demo import load_demo_contracts
from concertation.contracts.models import Contract, ProjectSheet
from concertation.core.timeutils import now_utc, today_paris
from concertation.demo import load_demo
from concertation.extensions import db
from concertation.invitations.models import Answer, AnswerSource, Invitation
from concertation.invitations.services import convoke, record_answer
from concertation.meetings.models import Meeting, MeetingStatus
from concertation.minutes.enums import AttendanceStatus
from concertation.minutes.models import Attendance, Decision, Minutes
from concertation.notifications.emails import MailContext
from concertation.notifications.sender import SmtpSettings, drain
from tests.common import db as f
from tests.common.browser import Shots, login
from tests.common.db.people import president_of_gevaudan
from tests.common.db.territory import GEVAUDAN
from tests.common.smtp import SmtpSink, mail_to

pytestmark = pytest.mark.e2e
TITLE = "Concertation du Gévaudan – priorités"
REPRESENTATIVE = "Jeanne Martin, 1re adjointe"
GUEST = ("Paul Durand", "Directeur de Lozère Ingénierie", "paul.durand@lozere-ingenierie.example")


def _held_meeting(app: Flask) -> tuple[Meeting, Invitation, list[Invitation]]:
    """A Gévaudan concertation convoked for next month, answered by its président (represented), then
    moved to yesterday: the passing of time, so that it can have attendance and decisions."""
    now = now_utc()
    meeting = f.meeting("concertation", starts_at=now + timedelta(days=30), title=TITLE, now=now)
    db.session.commit()
    convoke(meeting, MailContext.from_config(app.config))
    db.session.commit()
    president = president_of_gevaudan()
    invitations = list(
        db.session.scalars(
            select(Invitation).where(Invitation.meeting_id == meeting.id).order_by(Invitation.id)
        )
    )
    answered = next(i for i in invitations if i.person_id == president.id)
    record_answer(answered, Answer.REPRESENTE, source=AnswerSource.LINK, represented_by=REPRESENTATIVE)
    yesterday = today_paris() - timedelta(days=1)
    meeting.starts_at = f.paris(yesterday.year, yesterday.month, yesterday.day, 14)
    meeting.ends_at = meeting.starts_at + timedelta(hours=3)
    meeting.status = MeetingStatus.TENUE
    db.session.commit()
    others = [i for i in invitations if i.id != answered.id and i.email]
    return meeting, answered, others


def _group(page: object, name: str) -> object:
    """The radio group of an invitee's attendance (named by the row header, which starts with the name)."""
    return page.get_by_role("group", name=re.compile("^" + re.escape(name)))  # type: ignore[attr-defined]


def _flash(page: object) -> str:
    return page.locator("main").inner_text()  # type: ignore[attr-defined,no-any-return]


def test_minutes_from_attendance_to_contract(
    app: Flask,
    lozere: None,
    live_server: str,
    browser: object,
    smtp_server: SmtpSink,
    make_user: Callable[..., User],
    shots: Shots,
) -> None:
    load_demo()
    load_demo_contracts()
    db.session.commit()
    contracts = db.session.scalars(select(Contract).order_by(Contract.id)).all()
    contract = next(c for c in contracts if c.intercommunality.siren == GEVAUDAN)
    project = contract.projects[0]
    before = project.priority
    after = 3 if before != 3 else 1
    organiser = make_user(UserRole.ORGANISATEUR)
    meeting, represented, invited = _held_meeting(app)
    present, absent = invited[0], invited[1]
    drain(SmtpSettings.from_config(app.config))  # the invitations leave; only the minutes remain to send
    smtp_server.messages.clear()
    base = live_server

    desk = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = desk.new_page()
    login(page, base, organiser)

    # Created for the CC du Gévaudan, the concertation is linked to its contract in progress from the start.
    page.goto(f"{base}/reunions/{meeting.id}/decisions")
    assert page.get_by_label("Contrat territorial").input_value() == str(contract.id)
    assert page.get_by_role("button", name="Changer de contrat").count() == 1
    shots.take(page, "contrat-relie")

    # Attendance, prefilled from the answers: the président is represented.
    page.get_by_role("link", name="Émargement").click()
    page.wait_for_url(re.compile(r"/emargement$"))
    president = represented.person.display_name
    assert _group(page, president).get_by_label("Représenté(e)").is_checked()  # type: ignore[attr-defined]
    assert page.get_by_label(f"Représentant de {president}").input_value() == REPRESENTATIVE
    shots.take(page, "emargement-prerempli")
    _group(page, present.person.display_name).get_by_label("Présent(e)").check()  # type: ignore[attr-defined]
    _group(page, absent.person.display_name).get_by_label("Absent(e)").check()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Enregistrer les présences").click()
    page.wait_for_load_state()
    assert "Présences enregistrées : " in _flash(page)
    shots.take(page, "presences-enregistrees")

    # Someone who came without an invitation.
    other = page.locator("form", has=page.get_by_role("heading", name="Ajouter une personne présente"))
    other.get_by_label("Catégorie").select_option("partenaire")
    other.get_by_label("Nom et prénom").fill(GUEST[0])
    other.get_by_label("Qualité ou organisme").fill(GUEST[1])
    other.get_by_label("Adresse électronique").fill(GUEST[2])
    other.get_by_role("button", name="Ajouter").click()
    page.wait_for_load_state()
    assert f"{GUEST[0]} ajouté(e) aux présents." in _flash(page)
    shots.take(page, "invite-ajoute")
    rows = {
        a.person_id: a
        for a in db.session.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id))
    }
    assert rows[represented.person_id].status == AttendanceStatus.REPRESENTE
    assert rows[represented.person_id].represented_by == REPRESENTATIVE
    assert rows[present.person_id].status == AttendanceStatus.PRESENT
    assert rows[absent.person_id].status == AttendanceStatus.ABSENT

    # The minutes, in Markdown.
    page.get_by_role("link", name="Compte rendu").click()
    page.get_by_role("button", name="Rédiger le compte rendu").click()
    page.wait_for_url(re.compile(r"/compte-rendu/modifier$"))
    section = page.get_by_role("group", name="2. Point de l'ordre du jour : Diagnostic du territoire")
    section.get_by_label("Compte rendu du point").fill(
        "Le diagnostic est **partagé** par les élus.\n\n- l'eau potable\n- les services de santé"
    )
    shots.take(page, "redaction")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.wait_for_load_state()
    assert "Compte rendu enregistré." in _flash(page)
    minutes_text = page.get_by_role("article", name="Compte rendu")
    assert minutes_text.locator("strong", has_text="partagé").count() == 1
    assert minutes_text.get_by_role("listitem").filter(has_text="les services de santé").count() == 1
    shots.take(page, "compte-rendu-brouillon")

    # A priority decision on the agenda item.
    page.get_by_role("link", name="Décisions et actions").click()
    page.get_by_label("Type de décision").select_option("priorite_projet")
    page.get_by_label("Point de l'ordre du jour").select_option(label="2. Diagnostic du territoire")
    page.get_by_label("Fiche projet").select_option(str(project.id))
    page.get_by_label("Nouvelle priorité").select_option(str(after))
    shots.take(page, "decision-formulaire")
    page.get_by_role("button", name="Enregistrer la décision").click()
    page.wait_for_load_state()
    assert "Décision enregistrée : " in _flash(page)
    decision = db.session.scalars(select(Decision).where(Decision.meeting_id == meeting.id)).one()
    assert f"priorité {before} → {after}" in decision.summary
    decisions_table = page.get_by_role("table", name="Décisions de la réunion")
    assert decision.summary in decisions_table.inner_text()
    assert decisions_table.get_by_role("button", name=re.compile("^Annuler")).count() == 1
    shots.take(page, "decision-enregistree")

    # An action, then the page opened again and reloaded: it stays readable and lists the action.
    actions = page.locator("section#actions")
    actions.get_by_label("Action", exact=True).fill("Chiffrer la maison de santé d'Aumont-Aubrac")
    actions.get_by_label("… ou un service").fill("Service de l'aménagement du territoire")
    actions.get_by_label("Échéance").fill((today_paris() + timedelta(days=60)).isoformat())
    actions.get_by_role("button", name="Ajouter l'action").click()
    page.wait_for_load_state()
    assert "Action enregistrée." in _flash(page)
    page.reload()
    page.goto(f"{base}/reunions/{meeting.id}/decisions")
    listed = page.locator("section#actions")
    assert "Chiffrer la maison de santé d'Aumont-Aubrac" in listed.inner_text()
    assert listed.get_by_label("Statut de « Chiffrer la maison de santé d'Aumont-Aubrac »").count() == 1
    shots.take(page, "action-ajoutee-page-rouverte")

    # Validate, then diffuse.
    page.get_by_role("link", name="Compte rendu").click()
    assert decision.summary in page.get_by_role("article", name="Compte rendu").inner_text()
    page.get_by_role("button", name="Valider").click()
    page.wait_for_load_state()
    assert "Compte rendu validé" in _flash(page)
    shots.take(page, "compte-rendu-valide")
    page.get_by_role("link", name=re.compile(r"^Diffuser à \d+ destinataire")).click()
    page.get_by_role("button", name=re.compile(r"^Confirmer : diffuser")).click()
    page.wait_for_load_state()
    assert "Compte rendu diffusé : " in _flash(page)
    shots.take(page, "compte-rendu-diffuse")
    document = page.get_by_role("article", name="Compte rendu")
    assert f"{GUEST[0]} — {GUEST[1]}" in document.inner_text()
    assert f"représenté(e) par {REPRESENTATIVE}" in document.inner_text()
    page.get_by_role("link", name="Décisions et actions").click()
    decisions_table = page.get_by_role("table", name="Décisions de la réunion")
    assert "Diffusée (version 1)" in decisions_table.inner_text()
    assert decisions_table.get_by_role("button", name=re.compile("^Annuler")).count() == 0
    minutes = db.session.scalars(select(Minutes).where(Minutes.meeting_id == meeting.id)).one()
    db.session.refresh(minutes)
    assert minutes.status == "diffuse"

    # The participants receive it by email, with the PDF.
    drain(SmtpSettings.from_config(app.config))
    for address in (GUEST[2], present.email or ""):
        message = mail_to(smtp_server, address)
        assert message["Subject"].startswith(f"Compte rendu : {TITLE}")
        attachments = [
            part for part in message.iter_attachments() if part.get_content_type() == "application/pdf"
        ]
        assert len(attachments) == 1
        pdf = PdfReader(io.BytesIO(attachments[0].get_content()))
        text = " ".join((p.extract_text() or "") for p in pdf.pages)
        flat = " ".join(text.split())
        assert project.title.split(" (")[0] in flat, flat
        assert f"{before} → {after}" in flat, flat
        assert REPRESENTATIVE in flat, flat

    # The contract page shows the decision and the new priority, and names the meeting in its chronology.
    page.goto(f"{base}/contrats/{contract.id}")
    projects = page.get_by_role("table", name="Fiches projets du contrat")
    row = projects.get_by_role("row").filter(has=page.get_by_role("link", name=project.title, exact=True))
    assert row.get_by_role("cell").nth(3).inner_text().strip() == str(after)
    history = page.locator("#historique")
    assert decision.summary.rstrip(".") in history.inner_text()
    assert (
        history.get_by_role("link", name="réunion").first.get_attribute("href") == f"/reunions/{meeting.id}"
    )
    shots.take(page, "contrat")
    page.get_by_role("link", name=re.compile("^Chronologie")).click()
    page.wait_for_url(f"{base}/contrats/{contract.id}/chronologie")
    entry = page.get_by_role("listitem").filter(has_text=f"{before} → {after}")
    assert entry.get_by_role("link", name=f"réunion « {TITLE} »").count() >= 1
    shots.take(page, "chronologie")
    desk.close()

    db.session.expire_all()
    assert db.session.get(ProjectSheet, project.id).priority == after  # type: ignore[union-attr]
