"""The organiser's journey as a state machine: Hypothesis chains the steps in any order.

An organiser, logged in through the real form, creates concertations and Rendez-vous over the demo élus
(their internationalised domain, apostrophes, homonyms and élus without email included), changes the
invitees, convokes, moves the meeting or its place, cancels; élus answer through the links of their emails;
the day comes; the organiser records the attendance, actions and decisions, undoes them, writes, validates
and diffuses the minutes. After every step:

- no page answered 5xx (the test client re-raises the app's exceptions);
- the pages of the meeting the step touched render;
- each current invitee with an email has exactly one active invitation;
- the step wrote each convocation, update and cancellation it implies to the outbox, once per recipient,
  and nothing else of those kinds;
- the SEQUENCE of the calendar objects sent to a recipient about a meeting keeps increasing.

Deterministic by default (same steps on every run, as in CI); JOURNEY_EXAMPLES and JOURNEY_STEPS explore
further on a developer's machine, JOURNEY_RANDOM=1 draws other journeys.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from concertation.core.timeutils import PARIS, now_utc, today_paris
from concertation.extensions import db
from concertation.followup.services import close_past_meetings
from concertation.invitations.models import Invitation
from concertation.meetings.models import Meeting, MeetingStatus
from concertation.minutes.models import ActionItem, Decision, Minutes
from concertation.notifications.models import MessageKind
from concertation.people.models import Mandate, Person, Role
from concertation.territory.models import Commune
from tests.common.journey import (
    COEUR_DE_LOZERE,
    GEVAUDAN,
    Site,
    answer_tokens,
    calendar_of,
    close_site,
    meeting_id_from,
    open_site,
    outbox,
)

JOURNEY = settings(
    max_examples=int(os.environ.get("JOURNEY_EXAMPLES", "6")),
    stateful_step_count=int(os.environ.get("JOURNEY_STEPS", "30")),
    derandomize=not os.environ.get("JOURNEY_RANDOM"),
    deadline=None,
    database=None,
    print_blob=False,
    # A journey is long to replay: shrinking a failure can take many minutes, so it is asked for
    # (JOURNEY_SHRINK=1) rather than done in CI, which reports the failing journey as it was drawn.
    phases=[
        Phase.explicit,
        Phase.reuse,
        Phase.generate,
        *([Phase.shrink] if os.environ.get("JOURNEY_SHRINK") else []),
    ],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
MAX_MEETINGS = 3
# The emails that carry the meeting's calendar object.
CALENDAR_KINDS = {MessageKind.INVITATION, MessageKind.UPDATE, MessageKind.CANCEL}
PAGES = (
    "/reunions/{id}",
    "/reunions/{id}/modifier",
    "/reunions/{id}/invitations",
    "/reunions/{id}/invitations/progression",
    "/reunions/{id}/invites.csv",
    "/reunions/{id}/emargement",
    "/reunions/{id}/decisions",
    "/reunions/{id}/compte-rendu",
    "/reunions/{id}/compte-rendu/modifier",
)
# Printed documents: once per meeting at the end of each journey (WeasyPrint takes its time).
DOCUMENTS = (
    "/reunions/{id}/courriers.pdf",
    "/reunions/{id}/feuille-emargement.pdf",
    "/reunions/{id}/compte-rendu.pdf",
)
# Scopes: the CC du Gévaudan (the awkward maires), the CC Coeur de Lozère (a homonym); the Rendez-vous of
# Marvejols and of Florac (Le Rozier, in an Aveyron CC).
CONCERTATION_SCOPES = (GEVAUDAN, COEUR_DE_LOZERE)
RENDEZ_VOUS_TOWNS = ("48092", "48061")
PLACES = (
    ("Salle des fêtes", "Place du Soubeyran", "48092"),
    ("Mairie", "", "48131"),
    ("", "", ""),
    ("Salle polyvalente d'Antrenas", "Le Bourg", "48005"),
)
REPRESENTATIVE = "Jeanne d'Arc-Müller, 1re adjointe"


@pytest.fixture(scope="module")
def site(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    built = open_site(database_url, str(tmp_path_factory.mktemp("mail")))
    try:
        yield built
    finally:
        close_site(built)


@dataclass(frozen=True)
class Snapshot:
    """What of a meeting decides the emails a step must write."""

    status: str
    when: tuple[datetime, datetime]
    place: tuple[str, str, int | None]
    # Active invitation id -> its address (None: a paper invitation).
    active: dict[int, str | None]

    def emailed(self) -> set[int]:
        return {i for i, address in self.active.items() if address}


def snapshot(meeting_id: int) -> Snapshot:
    meeting = db.session.get(Meeting, meeting_id)
    assert meeting is not None
    active = db.session.scalars(
        select(Invitation).where(Invitation.meeting_id == meeting_id, Invitation.cancelled_at.is_(None))
    )
    return Snapshot(
        status=meeting.status,
        when=(meeting.starts_at, meeting.ends_at),
        place=(meeting.location_name, meeting.location_address, meeting.location_commune_id),
        active={i.id: i.email for i in active},
    )


def expected_emails(before: Snapshot, after: Snapshot) -> Counter[tuple[str, int]]:
    """(kind, invitation id) of each calendar email the change from `before` to `after` implies."""
    expected: Counter[tuple[str, int]] = Counter()
    convoked = MeetingStatus.CONVOQUEE
    if before.status == MeetingStatus.BROUILLON and after.status == convoked:
        expected.update((MessageKind.INVITATION, i) for i in after.emailed())
    elif before.status == convoked and after.status == MeetingStatus.ANNULEE:
        expected.update((MessageKind.CANCEL, i) for i in before.emailed())
    elif before.status == convoked and after.status == convoked:
        if before.when != after.when or before.place != after.place:
            expected.update((MessageKind.UPDATE, i) for i in after.emailed() & before.emailed())
        expected.update((MessageKind.INVITATION, i) for i in after.emailed() - before.emailed())
        expected.update((MessageKind.CANCEL, i) for i in before.emailed() - after.emailed())
    return expected


def form_of(meeting: Meeting) -> dict[str, str]:
    """The meeting form as the edit page would send it back, unchanged."""
    starts, ends = meeting.starts_at.astimezone(PARIS), meeting.ends_at.astimezone(PARIS)
    return {
        "kind": meeting.kind,
        "sector": meeting.sector.town.insee_code if meeting.sector else "",
        "intercommunality": meeting.intercommunality.siren if meeting.intercommunality else "",
        "title": meeting.title,
        "purpose": meeting.purpose if meeting.kind == "concertation" else "",
        "year": meeting.purpose if meeting.kind == "rendez_vous" else "",
        "other_purpose": "",
        "day": starts.date().isoformat(),
        "start_time": starts.strftime("%H:%M"),
        "end_time": ends.strftime("%H:%M"),
        "location_name": meeting.location_name,
        "location_address": meeting.location_address,
        "location_commune": meeting.location_commune.insee_code if meeting.location_commune else "",
        "agenda": "\r\n".join(item.title for item in meeting.agenda_items),
    }


def pool() -> list[int]:
    """Persons the organiser adds or removes by hand: the awkward maires, Le Rozier's, a conseiller
    départemental, and maires from outside the CCs of the meetings."""
    codes = ("48005", "48032", "48072", "48068", "48124", "48165", "48111", "48131", "48095", "48140")
    mayors = db.session.scalars(
        select(Person.id)
        .join(Person.mandates)
        .join(Mandate.commune)
        .where(Mandate.role == Role.MAIRE, Commune.insee_code.in_(codes))
        .order_by(Person.id)
    ).all()
    councillor = db.session.scalar(
        select(Person.id).join(Person.mandates).where(Mandate.role == Role.CONSEILLER_DEPARTEMENTAL).limit(1)
    )
    return [*mayors, councillor] if councillor else list(mayors)


class Journey(RuleBasedStateMachine):
    site: Site

    def __init__(self) -> None:
        super().__init__()
        self.browser = self.site.organiser
        self.meetings: list[int] = []
        self.touched: int | None = None
        self._groups: dict[str, list[int]] | None = None
        self.sequences: dict[int, tuple[str, int, str] | None] = {}
        with self.site.app.app_context():
            self.persons = pool()

    # --- Helpers ----------------------------------------------------------------------------------

    def _context(self) -> Any:
        return self.site.app.app_context()

    def _post(self, meeting_id: int, url: str, data: dict[str, Any] | None = None) -> None:
        """Post as the organiser; check that the step wrote exactly the calendar emails it implies."""
        with self._context():
            before = snapshot(meeting_id)
            last = max((m.id for m in outbox()), default=0)
        self.browser.post(url, data)
        self.touched = meeting_id
        with self._context():
            after = snapshot(meeting_id)
            written = list(outbox(after=last))
            calendar = Counter((m.kind, m.invitation_id) for m in written if m.kind in CALENDAR_KINDS)
            assert calendar == expected_emails(before, after), (url, calendar, expected_emails(before, after))
            assert all(m.meeting_id == meeting_id for m in written if m.kind in CALENDAR_KINDS), url
            by_recipient = Counter((m.kind, m.recipient_email.lower()) for m in written)
            twice = [key for key, n in by_recipient.items() if n > 1]
            assert not twice, f"{url}: written twice to {twice}"

    def groups(self) -> dict[str, list[int]]:
        """The journey's meetings by what can happen to them next (read once per step)."""
        if self._groups is None:
            groups: dict[str, list[int]] = {"draft": [], "live": [], "convoked": [], "coming": [], "held": []}
            with self._context():
                now = now_utc()
                for meeting_id in self.meetings:
                    meeting = db.session.get(Meeting, meeting_id)
                    assert meeting is not None
                    status = meeting.status
                    if status == MeetingStatus.BROUILLON:
                        groups["draft"].append(meeting_id)
                    if status in (MeetingStatus.BROUILLON, MeetingStatus.CONVOQUEE):
                        groups["live"].append(meeting_id)
                    if status == MeetingStatus.CONVOQUEE:
                        groups["convoked"].append(meeting_id)
                        if meeting.starts_at > now:
                            groups["coming"].append(meeting_id)
                    if meeting.starts_at <= now and status != MeetingStatus.ANNULEE:
                        groups["held"].append(meeting_id)
            self._groups = groups
        return self._groups

    def has(self, group: str) -> bool:
        return bool(self.groups()[group])

    def _meeting(self, data: st.DataObject, group: str) -> int:
        """A meeting of the group, mostly; any other one now and then, where the organiser should be
        refused with a message."""
        # Hypothesis favours small numbers: 0 (the simplest) takes a fitting meeting.
        if data.draw(st.integers(0, 9), label="other") < 9:
            return data.draw(st.sampled_from(self.groups()[group]), label="meeting")
        return data.draw(st.sampled_from(self.meetings), label="meeting")

    @initialize(scope=st.integers(0, 1))
    def a_meeting_took_place(self, scope: int) -> None:
        """Every journey starts with a concertation convoked, then held: the steps that follow a meeting
        (attendance, decisions, minutes) have one from the start."""
        self.create(rendez_vous=False, scope=scope, days=30, hour=14, place=PLACES[0])
        meeting_id = self.meetings[-1]
        self._post(meeting_id, f"/reunions/{meeting_id}/convoquer")
        self.pages_render()
        self._held(meeting_id)

    def _held(self, meeting_id: int) -> None:
        with self._context():
            meeting = db.session.get(Meeting, meeting_id)
            assert meeting is not None
            if meeting.status != MeetingStatus.CONVOQUEE or meeting.starts_at <= now_utc():
                return
            yesterday = today_paris() - timedelta(days=1)
            meeting.starts_at = datetime(yesterday.year, yesterday.month, yesterday.day, 14, tzinfo=PARIS)
            meeting.ends_at = meeting.starts_at + timedelta(hours=3)
            close_past_meetings(now_utc())
            db.session.commit()
        self.touched = meeting_id

    @rule()
    def browse(self) -> None:
        """The organiser looks at the home page and the calendar (always possible)."""
        for page in ("/", "/reunions/", "/reunions/?vue=mois"):
            self.browser.get(page)

    # --- Rules: the meeting -----------------------------------------------------------------------

    @precondition(
        lambda self: (
            len(self.meetings) < 2 * MAX_MEETINGS
            and len(set(self.groups()["live"]) | set(self.groups()["held"])) < MAX_MEETINGS
        )
    )
    @rule(
        rendez_vous=st.booleans(),
        scope=st.integers(0, 1),
        days=st.integers(10, 300),
        hour=st.sampled_from([9, 14, 18]),
        place=st.sampled_from(PLACES),
    )
    def create(
        self, rendez_vous: bool, scope: int, days: int, hour: int, place: tuple[str, str, str]
    ) -> None:
        day = today_paris() + timedelta(days=days)
        fields = {
            "kind": "rendez_vous" if rendez_vous else "concertation",
            "sector": RENDEZ_VOUS_TOWNS[scope] if rendez_vous else "",
            "intercommunality": "" if rendez_vous else CONCERTATION_SCOPES[scope],
            "title": f"Rendez-vous de Territoire {day.year}" if rendez_vous else "Concertation – priorités",
            "purpose": "" if rendez_vous else "propositions",
            "year": str(day.year) if rendez_vous else "",
            "other_purpose": "",
            "day": day.isoformat(),
            "start_time": f"{hour:02d}:00",
            "end_time": f"{hour + 3:02d}:00",
            "location_name": place[0],
            "location_address": place[1],
            "location_commune": place[2],
            "agenda": "Accueil\r\nDiagnostic du territoire\r\nQuestions diverses",
        }
        response = self.browser.post("/reunions/nouvelle", fields)
        created = meeting_id_from(response)
        if created is None and 'name="confirm"' in response.get_data(as_text=True):
            # A meeting of the same scope and year exists: the form asks once, the organiser confirms.
            response = self.browser.post("/reunions/nouvelle", {**fields, "confirm": "1"})
            created = meeting_id_from(response)
        assert created is not None, response.get_data(as_text=True)[:2000]
        self.meetings.append(created)
        self.touched = created

    @precondition(lambda self: self.has("live"))
    @rule(
        data=st.data(),
        days=st.integers(-3, 60),
        hour=st.sampled_from([None, 10, 15]),
        place=st.sampled_from([None, *PLACES]),
    )
    def change_time_or_place(
        self, data: st.DataObject, days: int, hour: int | None, place: tuple[str, str, str] | None
    ) -> None:
        meeting_id = self._meeting(data, "live")
        with self._context():
            meeting = db.session.get(Meeting, meeting_id)
            assert meeting is not None
            fields = form_of(meeting)
        if days or hour is not None:
            day = max(
                date.fromisoformat(fields["day"]) + timedelta(days=days), today_paris() + timedelta(days=1)
            )
            start = hour if hour is not None else int(fields["start_time"][:2])
            fields.update(day=day.isoformat(), start_time=f"{start:02d}:00", end_time=f"{start + 2:02d}:30")
        if place is not None:
            fields.update(location_name=place[0], location_address=place[1], location_commune=place[2])
        # A change that resets answers or sends emails is shown first and saved only once confirmed;
        # the first post must write nothing (checked by _post like any step).
        self._post(meeting_id, f"/reunions/{meeting_id}/modifier", fields)
        self._post(meeting_id, f"/reunions/{meeting_id}/modifier", {**fields, "confirm": "1"})

    @precondition(lambda self: self.has("live"))
    @rule(data=st.data(), add=st.booleans())
    def change_invitees(self, data: st.DataObject, add: bool) -> None:
        meeting_id = self._meeting(data, "live")
        person = data.draw(st.sampled_from(self.persons), label="person")
        action = "ajout" if add else "retrait"
        self._post(
            meeting_id,
            f"/reunions/{meeting_id}/invites/{action}",
            {"person_id": str(person), "reason": "Partenaire du contrat" if add else "Ne siège plus"},
        )

    @precondition(lambda self: self.has("convoked"))
    @rule(data=st.data())
    def undo_removal(self, data: st.DataObject) -> None:
        """The organiser adds back someone removed from a convoked list (a wrong click)."""
        meeting_id = self._meeting(data, "convoked")
        with self._context():
            removed = sorted(
                db.session.scalars(
                    select(Invitation.person_id).where(
                        Invitation.meeting_id == meeting_id, Invitation.cancelled_at.is_not(None)
                    )
                )
            )
            if not removed:
                removed = sorted(
                    db.session.scalars(
                        select(Invitation.person_id).where(
                            Invitation.meeting_id == meeting_id, Invitation.email.is_not(None)
                        )
                    )
                )[:1]
        if not removed:
            return
        person = str(data.draw(st.sampled_from(removed), label="person"))
        url = f"/reunions/{meeting_id}/invites/"
        self._post(meeting_id, url + "retrait", {"person_id": person, "reason": "Erreur de saisie"})
        self._post(meeting_id, url + "ajout", {"person_id": person, "reason": "Erreur de saisie"})

    @precondition(lambda self: self.has("draft"))
    @rule(data=st.data())
    def convoke(self, data: st.DataObject) -> None:
        meeting_id = self._meeting(data, "draft")
        self._post(meeting_id, f"/reunions/{meeting_id}/convoquer")

    @precondition(lambda self: self.has("live"))
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        meeting_id = self._meeting(data, "live")
        self._post(meeting_id, f"/reunions/{meeting_id}/annuler", {"confirm": "y"})

    # --- Rules: the answers -----------------------------------------------------------------------

    @precondition(lambda self: self.has("convoked"))
    @rule(
        data=st.data(),
        answer=st.sampled_from(["present", "absent", "represente", "peut_etre"]),
        comment=st.sampled_from(["", "J'arriverai à 14 h 30 ; prévoir l'accès « PMR »."]),
    )
    def answer_by_link(self, data: st.DataObject, answer: str, comment: str) -> None:
        """An élu follows the link of one of the emails about the meeting (maybe an old one)."""
        meeting_id = self._meeting(data, "convoked")
        with self._context():
            tokens = sorted({t for m in outbox([meeting_id]) for t in answer_tokens(m.raw)})
        if not tokens:
            return
        token = data.draw(st.sampled_from(tokens), label="link")
        anonymous = self.site.app.test_client()
        page = anonymous.get(f"/r/{token}?reponse={answer}")
        assert page.status_code in {200, 404, 410}, (token, page.status_code)
        if page.status_code != 200 or 'name="csrf_token"' not in page.get_data(as_text=True):
            return
        from tests.common.http import csrf_token

        sent = {
            "csrf_token": csrf_token(anonymous, f"/r/{token}"),
            "answer": answer,
            "represented_by": REPRESENTATIVE if answer == "represente" else "",
            "comment": comment,
        }
        response = anonymous.post(f"/r/{token}", data=sent)
        assert response.status_code in {303, 404, 410, 422}, (token, response.status_code)
        self.touched = meeting_id

    @precondition(lambda self: self.has("convoked"))
    @rule(data=st.data(), answer=st.sampled_from(["present", "absent", "represente", "peut_etre"]))
    def answer_by_organiser(self, data: st.DataObject, answer: str) -> None:
        """An answer received by phone, entered by the organiser."""
        meeting_id = self._meeting(data, "convoked")
        with self._context():
            ids = sorted(db.session.scalars(select(Invitation.id).where(Invitation.meeting_id == meeting_id)))
        if not ids:
            return
        invitation = data.draw(st.sampled_from(ids), label="invitation")
        self._post(
            meeting_id,
            f"/reunions/{meeting_id}/invitations/{invitation}/reponse",
            {"answer": answer, "represented_by": REPRESENTATIVE if answer == "represente" else ""},
        )

    # --- Rules: after the meeting -----------------------------------------------------------------

    @precondition(lambda self: self.has("coming"))
    @rule(data=st.data())
    def the_day_comes(self, data: st.DataObject) -> None:
        """Time passes: a convoked meeting took place yesterday (the job closes it, as every night)."""
        self._held(self._meeting(data, "coming"))

    @precondition(lambda self: self.has("held"))
    @rule(data=st.data())
    def record_attendance(self, data: st.DataObject) -> None:
        meeting_id = self._meeting(data, "held")
        from concertation.minutes.attendance import attendance_lines

        with self._context():
            meeting = db.session.get(Meeting, meeting_id)
            assert meeting is not None
            ids = [line.person.id for line in attendance_lines(meeting)]
        statuses = data.draw(
            st.lists(
                st.sampled_from(["present", "excuse", "represente", "absent", None]),
                min_size=len(ids),
                max_size=len(ids),
            ),
            label="attendance",
        )
        fields: dict[str, str] = {}
        for person_id, status in zip(ids, statuses, strict=True):
            if status is not None:
                fields[f"statut-{person_id}"] = status
                fields[f"represente-{person_id}"] = REPRESENTATIVE if status == "represente" else ""
        self._post(meeting_id, f"/reunions/{meeting_id}/emargement", fields)

    def add_action(self, data: st.DataObject, with_owner: bool, due: int | None) -> None:
        """An action due `due` days from today (None: no due date, refused; -400: before the meeting)."""
        meeting_id = self._meeting(data, "held")
        with self._context():
            owner = db.session.scalar(
                select(Invitation.person_id)
                .where(Invitation.meeting_id == meeting_id)
                .order_by(Invitation.id)
            )
            decision = db.session.scalar(
                select(Decision.id).where(Decision.meeting_id == meeting_id).order_by(Decision.id.desc())
            )
        self._post(
            meeting_id,
            f"/reunions/{meeting_id}/actions",
            {
                "title": "Transmettre la délibération d'approbation",
                "owner_person_id": str(owner) if with_owner and owner else "",
                "owner_service": "" if with_owner and owner else "Service des routes du Département",
                "due_on": "" if due is None else (today_paris() + timedelta(days=due)).isoformat(),
                "decision_id": str(decision) if decision and with_owner else "",
            },
        )

    def change_action(self, data: st.DataObject, status: str) -> None:
        meeting_id = self._meeting(data, "held")
        with self._context():
            ids = sorted(db.session.scalars(select(ActionItem.id).where(ActionItem.meeting_id == meeting_id)))
        if ids:
            action = data.draw(st.sampled_from(ids), label="action")
            self._post(meeting_id, f"/reunions/{meeting_id}/actions/{action}/statut", {"status": status})

    def add_decision(self, data: st.DataObject, agenda: bool) -> None:
        meeting_id = self._meeting(data, "held")
        with self._context():
            meeting = db.session.get(Meeting, meeting_id)
            assert meeting is not None
            item = meeting.agenda_items[0].id if agenda and meeting.agenda_items else None
        self._post(
            meeting_id,
            f"/reunions/{meeting_id}/decisions",
            {
                "kind": "autre",
                "agenda_item_id": str(item or ""),
                "text": "La commune d'Antrenas porte le projet.",
            },
        )

    def undo_decision(self, data: st.DataObject) -> None:
        meeting_id = self._meeting(data, "held")
        with self._context():
            ids = sorted(db.session.scalars(select(Decision.id).where(Decision.meeting_id == meeting_id)))
        if ids:
            decision = data.draw(st.sampled_from(ids), label="decision")
            self._post(meeting_id, f"/reunions/{meeting_id}/decisions/{decision}/annulation")

    def write_minutes(self, data: st.DataObject) -> None:
        meeting_id = self._meeting(data, "held")
        self._post(meeting_id, f"/reunions/{meeting_id}/compte-rendu/commencer")
        with self._context():
            minutes = db.session.scalar(select(Minutes).where(Minutes.meeting_id == meeting_id))
            sections = [s.id for s in minutes.sections] if minutes is not None else []
        if sections:
            body = "Les élus d'Antrenas et de Grèzes **approuvent** le diagnostic.\n\n- point 1\n- point 2"
            self._post(
                meeting_id,
                f"/reunions/{meeting_id}/compte-rendu/modifier",
                {f"texte-{sid}": body for sid in sections},
            )

    def minutes_step(self, data: st.DataObject, step: str) -> None:
        meeting_id = self._meeting(data, "held")
        fields = {"reason": "Orthographe du nom de Mme D'ESTAING"} if step == "correction" else {}
        self._post(meeting_id, f"/reunions/{meeting_id}/compte-rendu/{step}", fields)

    # The steps after the meeting are grouped in three rules, so that they do not crowd out the others.

    @precondition(lambda self: self.has("held"))
    @rule(
        data=st.data(),
        change=st.booleans(),
        with_owner=st.booleans(),
        due=st.sampled_from([30, 400, None, -400]),
        status=st.sampled_from(["en_cours", "faite", "abandonnee", "a_faire"]),
    )
    def actions(
        self, data: st.DataObject, change: bool, with_owner: bool, due: int | None, status: str
    ) -> None:
        if change:
            self.change_action(data, status)
        else:
            self.add_action(data, with_owner, due)

    @precondition(lambda self: self.has("held"))
    @rule(data=st.data(), undo=st.booleans(), agenda=st.booleans())
    def decisions(self, data: st.DataObject, undo: bool, agenda: bool) -> None:
        if undo:
            self.undo_decision(data)
        else:
            self.add_decision(data, agenda)

    @precondition(lambda self: self.has("held"))
    @rule(
        data=st.data(),
        step=st.sampled_from(["rédaction", "validation", "diffusion", "brouillon", "correction"]),
    )
    def minutes(self, data: st.DataObject, step: str) -> None:
        if step == "rédaction":
            self.write_minutes(data)
        else:
            self.minutes_step(data, step)

    # --- Invariants -------------------------------------------------------------------------------

    @invariant()
    def pages_render(self) -> None:
        self._groups = None  # the step may have changed them
        if self.touched is None:
            return
        for page in PAGES:
            self.browser.get(page.format(id=self.touched))
        self.touched = None

    @invariant()
    def one_active_invitation_per_invitee_with_email(self) -> None:
        with self._context():
            for meeting_id in self.meetings:
                meeting = db.session.get(Meeting, meeting_id)
                assert meeting is not None
                invitations = db.session.scalars(
                    select(Invitation).where(
                        Invitation.meeting_id == meeting_id, Invitation.cancelled_at.is_(None)
                    )
                ).all()
                convoked = db.session.scalar(
                    select(Invitation.id).where(Invitation.meeting_id == meeting_id).limit(1)
                )
                if meeting.status == MeetingStatus.BROUILLON or convoked is None:
                    # Never convoked (a draft, or a draft cancelled): no invitation at all.
                    assert not invitations, meeting_id
                    continue
                active = Counter(i.person_id for i in invitations)
                current = [line for line in meeting.invitees if line.is_current]
                for line in current:
                    if line.person.email:
                        assert active[line.person_id] == 1, (
                            meeting_id,
                            line.person.full_name,
                            active[line.person_id],
                        )
                current_ids = {line.person_id for line in current}
                assert set(active) <= current_ids, (meeting_id, set(active) - current_ids)

    @invariant()
    def sequence_increases_for_each_recipient(self) -> None:
        if not self.meetings:
            return
        with self._context():
            last: dict[tuple[int | None, str], int] = {}
            for message in outbox(self.meetings):
                if message.kind not in CALENDAR_KINDS:
                    continue
                if message.id not in self.sequences:
                    self.sequences[message.id] = calendar_of(message.raw)
                found = self.sequences[message.id]
                assert found is not None, f"{message.kind} to {message.recipient_email} without a calendar"
                method, sequence, _uid = found
                key = (message.meeting_id, message.recipient_email.lower())
                assert sequence > last.get(key, -1), (
                    f"{method} SEQUENCE {sequence} to {message.recipient_email} after {last.get(key)}"
                )
                last[key] = sequence

    def teardown(self) -> None:
        for meeting_id in self.meetings:
            for page in DOCUMENTS:
                self.browser.get(page.format(id=meeting_id))


def test_organiser_journey(site: Site) -> None:
    Journey.site = site
    run_state_machine_as_test(Journey, settings=JOURNEY)


def test_a_removed_invitee_added_back_gets_a_higher_sequence(site: Site) -> None:
    """One journey written out (issue 12, item 18): a wrong click on a convoked list, undone. The
    cancellation and the new invitation each carry a SEQUENCE higher than the last one the élu received,
    or their calendar ignores the second."""
    Journey.site = site
    journey = Journey()
    journey.create(rendez_vous=False, scope=0, days=40, hour=14, place=PLACES[0])
    meeting_id = journey.meetings[-1]
    journey._post(meeting_id, f"/reunions/{meeting_id}/convoquer")
    with journey._context():
        emailed = db.session.scalar(
            select(Invitation.person_id)
            .where(Invitation.meeting_id == meeting_id, Invitation.email.is_not(None))
            .order_by(Invitation.id)
        )
    url = f"/reunions/{meeting_id}/invites/"
    for action in ("retrait", "ajout"):
        journey._post(meeting_id, url + action, {"person_id": str(emailed), "reason": "Erreur de saisie"})
        journey.one_active_invitation_per_invitee_with_email()
        journey.sequence_increases_for_each_recipient()
    journey.pages_render()
