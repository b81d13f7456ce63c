"""/api/v1/meetings/{id}/invitations and /cancel: convoking a meeting, following its invitations, cancelling.

Emails are outbox rows written in the request's transaction; the sender delivers them afterwards,
which is why convoking answers 202 Accepted.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g, url_for

from concertation.api.auth import ApiBlueprint
from concertation.api.errors import Refusal, commit_or_abort
from concertation.api.meeting_schemas import ConvocationSchema, InvitationSchema, MeetingSchema
from concertation.api.meetings import load_meeting, meeting_item
from concertation.invitations import services
from concertation.invitations.exceptions import CannotConvoke
from concertation.invitations.models import Invitation
from concertation.meetings import services as meeting_services
from concertation.meetings.exceptions import MeetingNotEditable
from concertation.notifications.emails import MailContext

blp = ApiBlueprint("api_invitations", __name__, description="Convocations, réponses et annulations")


@blp.route("/meetings/<int:meeting_id>/invitations", methods=["POST"])
@blp.response(202, ConvocationSchema)
@blp.alt_response(409, response="CONFLICT")
def convoke(meeting_id: int) -> tuple[dict[str, int], int, dict[str, str]]:
    """Convoque la réunion (rôle organisateur) : arrête la liste des invités et envoie les invitations.

    Les courriels partent ensuite par la file d'envoi ; leur état se lit sur GET de la même adresse.
    « paper » compte les invités sans adresse électronique (courrier à imprimer). 409 si la réunion
    n'est plus en brouillon, a déjà commencé ou n'a aucun invité.
    """
    meeting = load_meeting(meeting_id)
    with commit_or_abort(Refusal(CannotConvoke)):
        report = services.convoke(meeting, MailContext.from_config(current_app.config), g.api_user)
    location = url_for("api_invitations.invitations", meeting_id=meeting_id)
    return {"emails": report.emails, "paper": report.paper}, 202, {"Location": location}


def _invitation_item(invitation: Invitation, delivery: services.DeliveryView) -> dict[str, Any]:
    return {
        "person_id": invitation.person_id,
        "name": invitation.person.full_name,
        "email": invitation.email,
        "channel": invitation.channel,
        "answer": invitation.answer,
        "answer_label": invitation.answer_label,
        "represented_by": invitation.represented_by,
        "answered_at": invitation.answered_at,
        "answer_source": invitation.answer_source,
        "delivery": {
            "state": delivery.state,
            "attempts": delivery.attempts,
            "last_reply": delivery.last_reply,
            "last_code": delivery.last_code,
        },
    }


@blp.route("/meetings/<int:meeting_id>/invitations")
@blp.response(200, InvitationSchema(many=True))
def invitations(meeting_id: int) -> list[dict[str, Any]]:
    """Invitations en cours, par nom : réponse de chaque invité et état de son dernier courriel.

    delivery.state : en_attente, envoye, refuse ou echec_temporaire ; null pour un courrier papier.
    """
    found = services.invitations_of(load_meeting(meeting_id))
    views = services.deliveries(found)
    return [_invitation_item(invitation, views[invitation.id]) for invitation in found]


@blp.route("/meetings/<int:meeting_id>/cancel", methods=["POST"])
@blp.response(200, MeetingSchema)
@blp.alt_response(409, response="CONFLICT")
def cancel(meeting_id: int) -> dict[str, Any]:
    """Annule la réunion (rôle organisateur) ; une fois convoquée, chaque invité reçoit une annulation.

    409 si elle est déjà annulée ou tenue.
    """
    meeting = load_meeting(meeting_id)
    with commit_or_abort(Refusal(MeetingNotEditable)):
        meeting_services.cancel_meeting(meeting)
    return meeting_item(load_meeting(meeting_id))
