"""/api/v1/meetings/{id}/poll: the date poll of a draft meeting (create and send, read, choose a slot).

The rules are the poll services'; the grid is `polls.grid.build_grid`, as on the organiser's page.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import marshmallow as ma
from flask import current_app, g
from marshmallow import fields, validate

from concertation.api.auth import ApiBlueprint
from concertation.api.errors import Refusal, api_abort, commit_or_abort, found_or_404
from concertation.api.meeting_schemas import LocalDateTime
from concertation.api.meetings import load_meeting
from concertation.core.timeutils import paris_to_utc, to_paris
from concertation.meetings.times import paris_gap
from concertation.notifications.emails import MailContext
from concertation.polls import services
from concertation.polls.exceptions import InvalidPoll, PollError
from concertation.polls.grid import build_grid, load_poll
from concertation.polls.models import MAX_SLOTS, Poll

blp = ApiBlueprint("api_polls", __name__, description="Sondage de dates d'une réunion en brouillon")


class PollSlotInputSchema(ma.Schema):
    starts_at = LocalDateTime(required=True, metadata={"description": "Début (heure de Paris)"})
    ends_at = LocalDateTime(required=True, metadata={"description": "Fin ; sans décalage : heure de Paris"})


class PollCreateSchema(ma.Schema):
    slots = fields.List(
        fields.Nested(PollSlotInputSchema),
        required=True,
        validate=validate.Length(max=MAX_SLOTS + 1, error="Trop de créneaux."),
    )
    deadline = LocalDateTime(load_default=None, allow_none=True)
    message = fields.String(load_default="", validate=validate.Length(max=services.MAX_MESSAGE))


class PollChooseSchema(ma.Schema):
    slot = fields.Integer(required=True, metadata={"description": "Index du créneau (à partir de 0)"})


def _invalid_fields(error: InvalidPoll) -> dict[str, Any]:
    return {"json": {error.field or "_schema": [str(error)]}}


REFUSALS = (Refusal(InvalidPoll, 422, True, _invalid_fields), Refusal(PollError, 409))


def _utc(value: datetime, label: str) -> datetime:
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    gap = paris_gap(label, value)
    if gap:
        api_abort(422, gap)
    return paris_to_utc(value)


def poll_item(poll: Poll) -> dict[str, Any]:
    """The poll with its slots (yes / if_needed / no / pending) and each invitee's answers."""
    grid = build_grid(poll)
    return {
        "id": poll.id,
        "meeting_id": poll.meeting_id,
        "message": poll.message,
        "deadline": to_paris(poll.deadline).isoformat() if poll.deadline else None,
        "sent_at": poll.sent_at.isoformat() if poll.sent_at else None,
        "closed_at": poll.closed_at.isoformat() if poll.closed_at else None,
        "is_open": services.is_open(poll),
        "chosen": poll.chosen_position,
        "slots": [
            {
                "index": slot.position,
                "starts_at": to_paris(slot.starts_at).isoformat(),
                "ends_at": to_paris(slot.ends_at).isoformat(),
                "yes": totals.yes,
                "if_needed": totals.if_needed,
                "no": totals.no,
                "pending": totals.pending,
            }
            for slot, totals in zip(grid.slots, grid.totals, strict=True)
        ],
        "invitees": [
            {
                "person_id": row.person_id,
                "name": row.name,
                "qualities": list(row.qualities),
                "email": row.email,
                "answered": row.answered,
                "entered_by_organiser": row.entered,
                "comment": row.comment,
                "answers": [choice.value if choice else None for choice in row.choices],
            }
            for row in grid.rows
        ],
        "key_counts": [
            {"label": kc.label, "available": list(kc.available), "total": kc.total} for kc in grid.key_counts
        ],
        "flags": [list(flags) for flags in grid.flags],
    }


def _load_poll(meeting_id: int) -> Poll:
    meeting = load_meeting(meeting_id)
    poll = services.poll_of(meeting)
    found = load_poll(poll.id) if poll is not None else None
    return found_or_404(found, f"La réunion {meeting_id} n'a pas de sondage de dates.")


@blp.route("/meetings/<int:meeting_id>/poll", methods=["POST"])
@blp.arguments(PollCreateSchema, description="Sans décalage horaire, les heures sont celles de Paris.")
@blp.response(201)
@blp.alt_response(409, response="CONFLICT")
def create_poll(data: dict[str, Any], meeting_id: int) -> tuple[dict[str, Any], int]:
    """Crée et envoie le sondage de dates d'une réunion en brouillon (rôle organisateur).

    2 à 8 créneaux ; un courriel par invité avec adresse, sans invitation d'agenda. 422 en français si
    les créneaux ou la date limite ne conviennent pas, ou si la réunion n'est pas en brouillon.
    """
    meeting = load_meeting(meeting_id)
    slots = [
        (_utc(s["starts_at"], f"début du créneau {n}"), _utc(s["ends_at"], f"fin du créneau {n}"))
        for n, s in enumerate(data["slots"], start=1)
    ]
    deadline = _utc(data["deadline"], "la date limite") if data["deadline"] is not None else None
    ctx = MailContext.from_config(current_app.config)
    with commit_or_abort(*REFUSALS):
        poll = services.create_poll(meeting, slots, deadline, data["message"], g.api_user)
        services.send_poll(poll, ctx)
        poll_id = poll.id
    return poll_item(found_or_404(load_poll(poll_id), "Sondage introuvable.")), 201


@blp.route("/meetings/<int:meeting_id>/poll")
@blp.response(200)
def get_poll(meeting_id: int) -> dict[str, Any]:
    """Le sondage de dates : créneaux avec les nombres de oui, si nécessaire, non et sans réponse, et les
    réponses de chaque invité (une par créneau, dans l'ordre : oui, si_necessaire, non ou null)."""
    return poll_item(_load_poll(meeting_id))


@blp.route("/meetings/<int:meeting_id>/poll/choose", methods=["POST"])
@blp.arguments(PollChooseSchema)
@blp.response(200)
@blp.alt_response(409, response="CONFLICT")
def choose(data: dict[str, Any], meeting_id: int) -> dict[str, Any]:
    """Retient un créneau (rôle organisateur) : la réunion prend sa date, le sondage est clos et chaque
    invité sondé reçoit un courriel ; la convocation se fait ensuite (POST /meetings/{id}/invitations)."""
    poll = _load_poll(meeting_id)
    with commit_or_abort(*REFUSALS):
        services.choose_slot(poll, data["slot"], g.api_user, MailContext.from_config(current_app.config))
    return poll_item(found_or_404(load_poll(poll.id), "Sondage introuvable."))
