"""/api/v1/meetings: meetings (create, list, read, partial update) and their invitee lists.

Every write calls one service of the meetings domain; updates and list changes of a convoked meeting
notify its invitees through the meeting signals, inside the same transaction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import marshmallow as ma
from flask import g, url_for
from sqlalchemy.orm import selectinload

from concertation.api.auth import ApiBlueprint
from concertation.api.errors import Refusal, api_abort, commit_or_abort, found_or_404, invalid
from concertation.api.meeting_schemas import (
    InviteeChangeSchema,
    InviteeRemovalArgsSchema,
    InviteeSchema,
    MeetingCreateSchema,
    MeetingPatchSchema,
    MeetingQuerySchema,
    MeetingSchema,
    merge_input,
)
from concertation.api.queries import LAST_PAGE
from concertation.contracts.models import Contract
from concertation.core.timeutils import to_paris
from concertation.extensions import db
from concertation.meetings import calendar, services
from concertation.meetings import invitees as meeting_invitees
from concertation.meetings.composition import ComputedInvitee
from concertation.meetings.exceptions import InvalidMeeting, MeetingError, MeetingNotEditable
from concertation.meetings.models import InviteeOverride, Meeting, MeetingInvitee
from concertation.people.models import Person
from concertation.territory.models import Sector

blp = ApiBlueprint("api_meetings", __name__, description="Réunions et listes d'invités")

_MEETING_OPTIONS = (
    selectinload(Meeting.agenda_items),
    selectinload(Meeting.sector).selectinload(Sector.town),
    selectinload(Meeting.intercommunality),
    selectinload(Meeting.location_commune),
    selectinload(Meeting.invitees).selectinload(MeetingInvitee.person),
    selectinload(Meeting.overrides).selectinload(InviteeOverride.person),
    selectinload(Meeting.contract).selectinload(Contract.intercommunality),
)


# Helpers shared with the invitations endpoints -------------------------------------------------------


def load_meeting(meeting_id: int) -> Meeting:
    """The meeting, or a 404 in French."""
    meeting = db.session.get(Meeting, meeting_id, options=_MEETING_OPTIONS)
    return found_or_404(meeting, f"Aucune réunion n'a l'identifiant {meeting_id}.")


def meeting_item(meeting: Meeting) -> dict[str, Any]:
    """The API view of a meeting: `meeting_as_dict` plus its labels and its invitee count."""
    return {
        **services.meeting_as_dict(meeting),
        "kind_label": meeting.kind.label,
        "purpose_label": meeting.purpose_label,
        "status_label": meeting.status.label,
        "scope_label": meeting.scope_label,
        "invitee_count": len(calendar.invitee_lines(meeting)),
        "invitees_frozen_at": (
            meeting.invitees_frozen_at.isoformat() if meeting.invitees_frozen_at is not None else None
        ),
        "contract": _contract_item(meeting.contract) if meeting.contract is not None else None,
    }


def _contract_item(contract: Contract) -> dict[str, Any]:
    return {
        "id": contract.id,
        "title": contract.title,
        "intercommunality": contract.intercommunality.name,
        "stage": contract.stage,
        "stage_label": contract.stage.label,
        "url": url_for("api_contracts.contract", contract_id=contract.id),
    }


# Fields the meeting refuses answer 422, one message a field ("location.commune", "agenda.2").
INVALID = invalid(InvalidMeeting)


# Meetings --------------------------------------------------------------------------------------------


@blp.route("/meetings", methods=["POST"])
@blp.arguments(MeetingCreateSchema, description="Sans décalage horaire, les heures sont celles de Paris.")
@blp.response(201, MeetingSchema)
def create_meeting(data: services.MeetingInput) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Crée une réunion en brouillon (rôle organisateur).

    Erreurs 422 par champ : type inconnu, périmètre inconnu ou inadapté au type, titre vide, début
    passé, fin avant le début, objet invalide, date mal formée, contrat inconnu ou d'une autre
    communauté de communes. Sans contract_id, une concertation est reliée au contrat en cours de sa
    communauté de communes.
    """
    with commit_or_abort(INVALID):
        meeting = services.create_meeting(data, g.api_user)
    location = url_for("api_meetings.meeting", meeting_id=meeting.id)
    item = meeting_item(load_meeting(meeting.id))
    if notices := services.time_notes(data):
        item["notices"] = notices
    return item, 201, {"Location": location}


@blp.route("/meetings")
@blp.arguments(MeetingQuerySchema, location="query")
@blp.response(200, MeetingSchema(many=True))
@blp.paginate(page_size=50, max_page_size=200)
def meetings(args: dict[str, Any], pagination_parameters: Any) -> list[dict[str, Any]]:
    """Réunions par date de début.

    Filtres combinables : type, statut, année, secteur d'une ville principale, intercommunalité,
    période (from, to : jours à l'heure de Paris). Paginé : paramètres page et page_size, total dans
    l'en-tête X-Pagination.
    """
    filters = calendar.MeetingFilters(
        kind=args.get("kind", ""),
        town=args.get("sector", ""),
        siren=args.get("intercommunality", ""),
        year=args.get("year"),
        status=args.get("status", ""),
    )
    statement = calendar.meetings_statement(filters).options(*_MEETING_OPTIONS)
    first: date | None = args.get("from_")
    last: date | None = args.get("to")
    if first is not None:
        statement = statement.where(Meeting.starts_at >= calendar.day_bounds_utc(first, first)[0])
    if last is not None:
        statement = statement.where(Meeting.starts_at < calendar.day_bounds_utc(last, last)[1])
    page = db.paginate(
        statement.order_by(Meeting.starts_at, Meeting.id),
        page=min(pagination_parameters.page, LAST_PAGE),
        per_page=pagination_parameters.page_size,
        error_out=False,
    )
    pagination_parameters.item_count = page.total
    return [meeting_item(meeting) for meeting in page.items]


@blp.route("/meetings/<int:meeting_id>")
@blp.response(200, MeetingSchema)
def meeting(meeting_id: int) -> dict[str, Any]:
    """Une réunion."""
    return meeting_item(load_meeting(meeting_id))


@blp.route("/meetings/<int:meeting_id>", methods=["PATCH"])
@blp.arguments(MeetingPatchSchema)
@blp.response(200, MeetingSchema)
@blp.alt_response(409, response="CONFLICT")
def update_meeting(data: dict[str, Any], meeting_id: int) -> dict[str, Any]:
    """Modifie une réunion (rôle organisateur) : les champs absents gardent leur valeur.

    Une fois la réunion convoquée, un changement de date, d'heure ou de lieu envoie une mise à jour
    à chaque invité (et remet toutes les réponses à « sans réponse » si la date ou l'heure change,
    « Représenté(e) par » et réponses saisies par l'organisateur comprises) ; « notify » : true
    l'envoie aussi pour un changement d'intitulé ou d'ordre du jour seul. L'en-tête
    « notices » dit, en français, combien de réponses ont été remises à zéro et combien de
    courriels et de courriers papier partent. Une heure inexistante à Paris (passage à l'heure
    d'été) est refusée (422) ; une heure qui existe deux fois (retour à l'heure d'hiver) est la
    première (heure d'été). 409 pour une réunion annulée ou tenue. « contract_id » : null retire le
    lien au contrat ; un contrat inconnu ou d'une autre communauté de communes est refusé (422).
    """
    meeting = load_meeting(meeting_id)
    notify = bool(data.pop("notify", False))
    merged = merge_input(_current_input(meeting), data)
    with commit_or_abort(INVALID, Refusal(MeetingNotEditable)):
        impact = services.update_impact(meeting, merged, notify_anyway=notify)
        services.update_meeting(meeting, merged, notify_anyway=notify)
    item = meeting_item(load_meeting(meeting_id))
    # Present only when there is something to say, so that a plain edit answers as before.
    if notices := ([impact.message] if impact is not None else []) + services.time_notes(merged):
        item["notices"] = notices
    return item


@blp.route("/meetings/<int:meeting_id>", methods=["DELETE"])
@blp.response(204)
@blp.alt_response(409, response="CONFLICT")
def delete_meeting(meeting_id: int) -> None:
    """Supprime un brouillon jamais convoqué (rôle organisateur).

    409 dès que la réunion a été convoquée (ou tenue, ou annulée) : ses invités l'ont reçue, elle
    s'annule (POST /meetings/{id}/cancel) pour les prévenir.
    """
    meeting = load_meeting(meeting_id)
    with commit_or_abort(Refusal(MeetingError)):
        services.delete_draft(meeting)


def _current_input(meeting: Meeting) -> services.MeetingInput:
    """The meeting as the input that would recreate it (times in Europe/Paris)."""
    return services.MeetingInput(
        kind=meeting.kind,
        title=meeting.title,
        starts_at=to_paris(meeting.starts_at),
        ends_at=to_paris(meeting.ends_at),
        purpose=meeting.purpose,
        sector_town=meeting.sector.town.insee_code if meeting.sector is not None else None,
        intercommunality_siren=meeting.intercommunality.siren if meeting.intercommunality else None,
        location_name=meeting.location_name,
        location_address=meeting.location_address,
        location_commune=meeting.location_commune.insee_code if meeting.location_commune else None,
        agenda=[item.title for item in meeting.agenda_items],
    )


# Invitee list ----------------------------------------------------------------------------------------


def _invitee_item(line: ComputedInvitee) -> dict[str, Any]:
    return {
        "person_id": line.person.id,
        "name": line.person.full_name,
        "email": line.person.email or None,
        "qualities": list(line.qualities),
        "source": line.source,
        "reason": line.reason,
    }


def _person(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None:
        api_abort(422, errors={"json": {"person_id": [f"Aucune personne n'a l'identifiant {person_id}."]}})
    return person


@blp.route("/meetings/<int:meeting_id>/invitees")
@blp.response(200, InviteeSchema(many=True))
def invitees(meeting_id: int) -> list[dict[str, Any]]:
    """Invités, par nom, avec toutes les qualités qui les font inviter.

    La liste arrêtée une fois la réunion convoquée ; sinon celle que donnent aujourd'hui les règles
    de composition et les changements manuels.
    """
    return [_invitee_item(line) for line in calendar.invitee_lines(load_meeting(meeting_id))]


@blp.route("/meetings/<int:meeting_id>/invitees", methods=["POST"])
@blp.arguments(InviteeChangeSchema)
@blp.response(201, InviteeSchema)
def add_invitee(data: dict[str, Any], meeting_id: int) -> dict[str, Any]:
    """Ajoute une personne à la liste, avec une raison (rôle organisateur).

    L'ajout survit au recalcul de la liste ; une réunion convoquée envoie l'invitation à la personne.
    """
    meeting = load_meeting(meeting_id)
    person = _person(data["person_id"])
    with commit_or_abort(Refusal(MeetingError, 422)):
        meeting_invitees.add_invitee(meeting, person, data["reason"], g.api_user)
    line = next(line for line in calendar.invitee_lines(meeting) if line.person.id == person.id)
    return _invitee_item(line)


@blp.route("/meetings/<int:meeting_id>/invitees", methods=["DELETE"])
@blp.arguments(InviteeRemovalArgsSchema, location="query")
@blp.arguments(InviteeRemovalArgsSchema, location="json", required=False)
@blp.response(204)
def remove_invitee(query: dict[str, Any], body: dict[str, Any], meeting_id: int) -> None:
    """Retire une personne de la liste, avec une raison (rôle organisateur).

    person_id et reason dans le corps JSON ou dans les paramètres de l'adresse. Le retrait survit au
    recalcul de la liste ; une réunion convoquée envoie une annulation à la personne.
    """
    try:
        data = InviteeChangeSchema().load({**query, **body})
    except ma.ValidationError as error:
        api_abort(422, errors={"json": error.messages_dict})
    meeting = load_meeting(meeting_id)
    person = _person(data["person_id"])
    with commit_or_abort(Refusal(MeetingError, 422)):
        meeting_invitees.remove_invitee(meeting, person, data["reason"], g.api_user)
