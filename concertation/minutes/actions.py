"""Action items decided in a meeting: an owner (a person or a service), a due date, a status.

The follow-up reminds the owner 7 days before the due date and once it has passed. The caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from concertation.accounts.models import User
from concertation.core.timeutils import today_paris
from concertation.extensions import db
from concertation.meetings.models import Meeting, MeetingStatus
from concertation.minutes.enums import ActionStatus
from concertation.minutes.exceptions import InvalidInput, NotAllowed
from concertation.minutes.models import ActionItem, Decision
from concertation.people.models import Person

MAX_TITLE = 500
MAX_SERVICE = 200


@dataclass
class ActionInput:
    title: str = ""
    owner_person_id: int | None = None
    owner_service: str = ""
    due_on: date | None = None
    decision_id: int | None = None
    status: str = ActionStatus.A_FAIRE.value


def actions_of(meeting: Meeting) -> list[ActionItem]:
    """The meeting's action items by due date (one query, owners and decisions loaded)."""
    return list(
        db.session.scalars(
            select(ActionItem)
            .where(ActionItem.meeting_id == meeting.id)
            .options(selectinload(ActionItem.owner_person), selectinload(ActionItem.decision))
            .order_by(ActionItem.due_on, ActionItem.id)
        )
    )


def _resolve(
    meeting: Meeting, data: ActionInput
) -> tuple[dict[str, str], Person | None, ActionStatus | None]:
    errors: dict[str, str] = {}
    title = " ".join(data.title.split())
    if not title:
        errors["title"] = "Décrivez l'action."
    elif len(title) > MAX_TITLE:
        errors["title"] = f"L'intitulé dépasse {MAX_TITLE} caractères."
    person = db.session.get(Person, data.owner_person_id) if data.owner_person_id is not None else None
    service = " ".join(data.owner_service.split())
    if data.owner_person_id is not None and person is None:
        errors["owner_person_id"] = f"Aucune personne n'a l'identifiant {data.owner_person_id}."
    elif person is not None and service:
        errors["owner_service"] = "Un seul responsable : une personne ou un service."
    elif person is None and not service and "owner_person_id" not in errors:
        errors["owner_service"] = "Indiquez le responsable : une personne ou un service."
    elif len(service) > MAX_SERVICE:
        errors["owner_service"] = f"Le service dépasse {MAX_SERVICE} caractères."
    if data.due_on is None:
        errors["due_on"] = "L'échéance est obligatoire."
    elif data.due_on < meeting.on:
        errors["due_on"] = "L'échéance ne peut pas précéder la réunion."
    if data.decision_id is not None:
        decision = db.session.get(Decision, data.decision_id)
        if decision is None or decision.meeting_id != meeting.id:
            errors["decision_id"] = "Cette décision n'a pas été prise dans cette réunion."
    status: ActionStatus | None = None
    try:
        status = ActionStatus(data.status)
    except ValueError:
        errors["status"] = "Statut inconnu : a_faire, en_cours, faite ou abandonnee."
    return errors, person, status


def add_action(meeting: Meeting, data: ActionInput, *, user: User | None = None) -> ActionItem:
    """Record an action item of the meeting."""
    if meeting.status == MeetingStatus.ANNULEE:
        raise NotAllowed("La réunion est annulée : elle n'a pas d'actions.")
    errors, person, status = _resolve(meeting, data)
    if errors:
        raise InvalidInput(errors, "Action non enregistrée")
    assert data.due_on is not None and status is not None
    item = ActionItem(
        meeting_id=meeting.id,
        decision_id=data.decision_id,
        title=" ".join(data.title.split()),
        owner_person=person,
        owner_service="" if person is not None else " ".join(data.owner_service.split()),
        due_on=data.due_on,
        status=status,
        done_on=today_paris() if status is ActionStatus.FAITE else None,
        created_by=user,
    )
    db.session.add(item)
    db.session.flush()
    return item


def set_action_status(item: ActionItem, status: str, *, on: date | None = None) -> None:
    """Move an action item to another status (`on`: the day it was done, today by default)."""
    try:
        target = ActionStatus(status)
    except ValueError:
        raise InvalidInput({"status": "Statut inconnu."}, "Action non modifiée") from None
    if target == item.status:
        raise NotAllowed(f"L'action est déjà « {target.label} ».")
    item.status = target
    item.done_on = (on or today_paris()) if target is ActionStatus.FAITE else None
    db.session.flush()
