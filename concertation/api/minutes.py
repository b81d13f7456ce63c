"""/api/v1/meetings/{id}/attendance, /decisions, /minutes and /attendance-sheet.pdf.

Every write calls the minutes domain's services in the request's transaction: a typed decision changes
the contract through the contracts domain, a diffusion writes its emails to the outbox; nothing is
written when a check fails (422 by field, 409 when the state of the meeting or the minutes forbids it).
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, g, url_for

from concertation.api.auth import ApiBlueprint
from concertation.api.errors import Refusal, api_abort, commit_or_abort, found_or_404, invalid, nest_errors
from concertation.api.meetings import load_meeting
from concertation.api.minutes_schemas import (
    AttendancePutSchema,
    AttendanceSchema,
    DecisionCreateSchema,
    DecisionSchema,
    MinutesPutSchema,
    MinutesSchema,
)
from concertation.contracts.settings import project_rules
from concertation.extensions import db
from concertation.meetings.models import Meeting
from concertation.minutes import attendance
from concertation.minutes import minutes as service
from concertation.minutes.decisions import DecisionInput, decisions_of, record_decision, undo_decision
from concertation.minutes.diffusion import diffuse
from concertation.minutes.enums import MinutesStatus
from concertation.minutes.exceptions import InvalidInput, MinutesError
from concertation.minutes.markdown import clean_html
from concertation.minutes.models import Decision, Minutes
from concertation.minutes.sheet import sheet_pdf
from concertation.notifications.emails import MailContext

blp = ApiBlueprint("api_minutes", __name__, description="Émargement, décisions et comptes rendus")


# The minutes domain counts list positions from 0 ("others.0.name"), and its refusals say why.
INVALID = invalid(InvalidInput, says_why=True, first_index=0)
REFUSED = Refusal(MinutesError)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


# Attendance --------------------------------------------------------------------------------------------


def _attendance(meeting: Meeting) -> dict[str, Any]:
    lines = attendance.attendance_lines(meeting)
    counts = attendance.turnout(meeting, lines)
    return {
        "meeting_id": meeting.id,
        "turnout": {**vars(counts), "came": counts.came, "rate": counts.rate},
        "invitees": [
            {
                "person_id": line.person.id,
                "name": line.person.display_name,
                "qualities": list(line.invitee.qualities),
                "answer": line.answer.value if line.answer is not None else None,
                "status": line.status.value,
                "represented_by": line.represented_by,
                "is_recorded": line.is_recorded,
            }
            for line in lines
        ],
        "others": [
            {
                "id": row.id,
                "kind": row.kind,
                "person_id": row.person_id,
                "name": row.display_name,
                "quality": row.quality,
                "email": row.contact_email,
            }
            for row in attendance.others(meeting)
        ],
    }


@blp.route("/meetings/<int:meeting_id>/attendance")
@blp.response(200, AttendanceSchema)
def get_attendance(meeting_id: int) -> dict[str, Any]:
    """Présence de chaque invité (enregistrée, ou d'après sa réponse), personnes venues sans invitation,
    participation."""
    return _attendance(load_meeting(meeting_id))


def _invalid_attendance(person_ids: list[int]) -> Refusal:
    """INVALID, with the service's "attendance.<person_id>" on "invitees.<index in the request>.status"."""
    index = {str(pid): str(i) for i, pid in enumerate(person_ids)}

    def fields(error: InvalidInput) -> dict[str, Any]:
        found = {}
        for key, message in error.errors.items():
            prefix, _, person = key.partition(".")
            found[f"invitees.{index.get(person, person)}.status" if prefix == "attendance" else key] = message
        return nest_errors(found, first_index=0)

    return Refusal(InvalidInput, 422, fields=fields)


@blp.route("/meetings/<int:meeting_id>/attendance", methods=["PUT"])
@blp.arguments(AttendancePutSchema)
@blp.response(200, AttendanceSchema)
@blp.alt_response(409, response="CONFLICT")
def put_attendance(data: dict[str, Any], meeting_id: int) -> dict[str, Any]:
    """Enregistre l'émargement (rôle organisateur) : la présence des invités et, si « others » est
    donné, les personnes venues sans invitation.

    Un invité absent de « invitees » reprend la présence que suggère sa réponse. La liste des invités
    d'une réunion jamais convoquée est arrêtée à cette occasion. 409 pour une réunion annulée.
    """
    meeting = load_meeting(meeting_id)
    entries = [
        attendance.AttendanceEntry(e["person_id"], e["status"], e.get("represented_by", ""))
        for e in data["invitees"]
    ]
    with commit_or_abort(_invalid_attendance([entry.person_id for entry in entries]), REFUSED):
        attendance.record_attendance(meeting, entries, user=g.api_user, replace=True)
        if "others" in data:
            attendance.replace_others(
                meeting, [attendance.OtherInput(**entry) for entry in data["others"]], user=g.api_user
            )
    return _attendance(load_meeting(meeting_id))


@blp.route("/meetings/<int:meeting_id>/attendance-sheet.pdf")
@blp.response(200, {"type": "string", "format": "binary"}, content_type="application/pdf")
def attendance_sheet(meeting_id: int) -> Response:
    """Feuille d'émargement à imprimer (PDF) : les invités groupés par communauté de communes et
    commune, avec toutes leurs qualités et une colonne pour la signature."""
    meeting = load_meeting(meeting_id)
    response = Response(sheet_pdf(meeting), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="emargement-reunion-{meeting.id}.pdf"'
    return response


# Decisions ---------------------------------------------------------------------------------------------


def _decision(decision: Decision) -> dict[str, Any]:
    item = decision.agenda_item
    return {
        "id": decision.id,
        "meeting_id": decision.meeting_id,
        "kind": decision.kind,
        "kind_label": decision.kind.label,
        "agenda_item_id": decision.agenda_item_id,
        "agenda_item": item.title if item is not None else None,
        "text": decision.text,
        "summary": decision.summary,
        "contract_id": decision.contract_id,
        "project_id": decision.project_id,
        "amendment_id": decision.amendment_id,
        "event_id": decision.event_id,
        "published_version": decision.published_version,
        "is_active": decision.is_active,
        "can_be_undone": decision.can_be_undone,
        "created_at": decision.created_at.isoformat(),
        "undone_at": _iso(decision.undone_at),
    }


@blp.route("/meetings/<int:meeting_id>/decisions")
@blp.response(200, DecisionSchema(many=True))
def decisions(meeting_id: int) -> list[dict[str, Any]]:
    """Décisions de la réunion, dans l'ordre du jour, y compris celles annulées (is_active false)."""
    return [_decision(d) for d in decisions_of(load_meeting(meeting_id))]


@blp.route("/meetings/<int:meeting_id>/decisions", methods=["POST"])
@blp.arguments(DecisionCreateSchema)
@blp.response(201, DecisionSchema)
@blp.alt_response(409, response="CONFLICT")
def create_decision(data: dict[str, Any], meeting_id: int) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Enregistre une décision (rôle organisateur) ; une décision typée s'applique aussitôt au contrat
    relié à la réunion et s'inscrit dans son historique avec le lien vers la réunion.

    Types : diagnostic_valide, priorite_projet (project_id, priority), projet_ajoute, projet_retire
    (project_id), montant_modifie (project_id, estimated_cost et/ou grant_requested), plan_arrete,
    avenant_propose (text, new_envelope), avenant_approuve (amendment_id, voted_on, signed_on),
    reserve_accordee (project_id, amount, text), autre (text). 422 par champ si le contrat refuse ;
    409 si la réunion est annulée, pas encore commencée, ou son compte rendu validé ou diffusé.
    """
    meeting = load_meeting(meeting_id)
    values = {key: value for key, value in data.items() if value is not None}
    if "priority" in values:
        values["priority"] = str(values["priority"])
    with commit_or_abort(INVALID, REFUSED):
        decision = record_decision(
            meeting, DecisionInput(**values), user=g.api_user, rules=project_rules(current_app.config)
        )
    location = url_for("api_minutes.decisions", meeting_id=meeting_id)
    return _decision(decision), 201, {"Location": location}


@blp.route("/meetings/<int:meeting_id>/decisions/<int:decision_id>", methods=["DELETE"])
@blp.response(200, DecisionSchema)
@blp.alt_response(409, response="CONFLICT")
def undo(meeting_id: int, decision_id: int) -> dict[str, Any]:
    """Annule une décision (rôle organisateur) : le contrat retrouve son état d'avant, l'annulation est
    inscrite dans son historique. 409 une fois la décision diffusée, ou si le contrat a changé depuis
    d'une façon qui en dépend (étape suivante franchie, avenant modifié, aide de la réserve engagée…)."""
    load_meeting(meeting_id)
    decision = db.session.get(Decision, decision_id)
    if decision is None or decision.meeting_id != meeting_id:
        api_abort(404, f"La réunion n'a pas de décision n° {decision_id}.")
    with commit_or_abort(REFUSED):
        undo_decision(decision, user=g.api_user, rules=project_rules(current_app.config))
    return _decision(decision)


# Minutes -----------------------------------------------------------------------------------------------


def _minutes(minutes: Minutes, emails: int | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "meeting_id": minutes.meeting_id,
        "status": minutes.status,
        "status_label": minutes.status.label,
        "version": minutes.version,
        "correction_reason": minutes.correction_reason,
        "validated_at": _iso(minutes.validated_at),
        "diffused_at": _iso(minutes.diffused_at),
        "sections": [
            {
                "id": s.id,
                "agenda_item_id": s.agenda_item_id,
                "title": s.title,
                "body": s.body,
                "html": clean_html(s.body_html),
            }
            for s in minutes.sections
        ],
        "versions": [
            {
                "number": v.number,
                "diffused_at": v.diffused_at.isoformat(),
                "recipient_count": v.recipient_count,
                "correction_reason": v.correction_reason,
            }
            for v in minutes.versions
        ],
    }
    if emails is not None:
        view["emails_queued"] = emails
    return view


@blp.route("/meetings/<int:meeting_id>/minutes")
@blp.response(200, MinutesSchema)
def get_minutes(meeting_id: int) -> dict[str, Any]:
    """Compte rendu de la réunion : sections (Markdown et HTML nettoyé), état, versions diffusées.
    404 tant qu'il n'est pas commencé."""
    minutes = service.minutes_of(load_meeting(meeting_id))
    return _minutes(found_or_404(minutes, "Le compte rendu de cette réunion n'est pas encore commencé."))


def _apply(minutes: Minutes, data: dict[str, Any], ctx: MailContext) -> int | None:
    """The PUT's changes in order: correction, sections, state; returns the emails queued, if diffused."""
    if data.get("correction_reason") is not None:
        service.open_correction(minutes, data["correction_reason"])
    if "sections" in data:
        service.replace_sections(minutes, [service.SectionInput(**s) for s in data["sections"]])
    target = data.get("status")
    if target is None or target == minutes.status:
        return None
    if target == MinutesStatus.BROUILLON:
        service.reopen_draft(minutes)
        return None
    if minutes.status == MinutesStatus.BROUILLON:
        service.validate_minutes(minutes, user=g.api_user)
    if target == MinutesStatus.DIFFUSE:
        return diffuse(minutes, ctx, user=g.api_user)
    return None


@blp.route("/meetings/<int:meeting_id>/minutes", methods=["PUT"])
@blp.arguments(MinutesPutSchema)
@blp.response(200, MinutesSchema)
@blp.alt_response(409, response="CONFLICT")
def put_minutes(data: dict[str, Any], meeting_id: int) -> dict[str, Any]:
    """Écrit le compte rendu (rôle organisateur) et le fait avancer : brouillon → valide → diffuse.

    « sections » remplace toutes les sections (un brouillon seulement) ; « status » valide, repasse en
    brouillon ou diffuse (courriel avec le PDF à chaque invité et participant qui a une adresse) ;
    « correction_reason » ouvre la version suivante d'un compte rendu diffusé. 409 si l'état l'interdit.
    """
    meeting = load_meeting(meeting_id)
    with commit_or_abort(INVALID, REFUSED):
        minutes = service.ensure_minutes(meeting)
        emails = _apply(minutes, data, MailContext.from_config(current_app.config))
    found = service.minutes_of(load_meeting(meeting_id))
    assert found is not None
    return _minutes(found, emails)
