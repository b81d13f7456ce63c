"""The minutes blueprint: URLs only. The views live beside it, one module per page family:
`attendance` (attendance, people who came uninvited, the sheet and its scans), `minutes` (the compte
rendu), `decisions` (decisions, action items, the link to the contract) and `stats` (turnout, timeline).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_login import current_user

from concertation.accounts.models import UserRole
from concertation.core.routing import GET, GET_POST, POST, UrlRule, add_rules
from concertation.minutes.routes import attendance, decisions, minutes, stats

bp = Blueprint("minutes", __name__)


@bp.context_processor
def helpers() -> dict[str, Any]:
    return {"can_organise": current_user.is_authenticated and current_user.has_role(UserRole.ORGANISATEUR)}


MEETING = "/reunions/<int:meeting_id>"
MINUTES = f"{MEETING}/compte-rendu"

# (rule, endpoint, view, methods)
URLS: list[UrlRule] = [
    # Attendance
    (f"{MEETING}/emargement", "attendance_page", attendance.attendance_page, GET),
    (f"{MEETING}/emargement", "record_attendance", attendance.record_attendance, POST),
    (f"{MEETING}/emargement/autres", "add_other", attendance.add_other, POST),
    (
        f"{MEETING}/emargement/autres/<int:attendance_id>/retrait",
        "remove_other",
        attendance.remove_other,
        POST,
    ),
    (f"{MEETING}/feuille-emargement.pdf", "sheet", attendance.sheet, GET),
    (f"{MEETING}/emargement/scans", "upload_scan", attendance.upload_scan, POST),
    (f"{MEETING}/emargement/scans/<int:scan_id>", "download_scan", attendance.download_scan, GET),
    # Compte rendu
    (MINUTES, "minutes_page", minutes.minutes_page, GET),
    (f"{MINUTES}/commencer", "start_minutes", minutes.start_minutes, POST),
    (f"{MINUTES}/modifier", "edit_minutes", minutes.edit_minutes, GET_POST),
    (f"{MINUTES}/sections", "add_section", minutes.add_section, POST),
    (f"{MINUTES}/sections/<int:section_id>/suppression", "remove_section", minutes.remove_section, POST),
    (f"{MINUTES}/validation", "validate", minutes.validate, POST),
    (f"{MINUTES}/brouillon", "reopen", minutes.reopen, POST),
    (f"{MINUTES}/diffusion", "diffusion_preview", minutes.diffusion_preview, GET),
    (f"{MINUTES}/diffusion", "diffusion", minutes.diffusion, POST),
    (f"{MINUTES}/correction", "correction", minutes.correction, POST),
    (f"{MEETING}/compte-rendu.pdf", "minutes_pdf", minutes.minutes_pdf, GET),
    (f"{MINUTES}/versions/<int:number>", "version", minutes.version, GET),
    # Decisions, action items, contract link
    (f"{MEETING}/decisions", "decisions_page", decisions.decisions_page, GET),
    (f"{MEETING}/decisions", "add_decision", decisions.add_decision, POST),
    (f"{MEETING}/decisions/<int:decision_id>/annulation", "undo", decisions.undo, POST),
    (f"{MEETING}/contrat", "link", decisions.link, POST),
    (f"{MEETING}/actions", "new_action", decisions.new_action, POST),
    (f"{MEETING}/actions/<int:action_id>/statut", "action_status", decisions.action_status, POST),
    # Statistics and timeline
    ("/statistiques/participation", "stats", stats.stats, GET),
    ("/contrats/<int:contract_id>/chronologie", "contract_timeline_page", stats.contract_timeline_page, GET),
]

add_rules(bp, URLS)
