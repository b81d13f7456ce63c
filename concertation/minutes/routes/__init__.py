"""The minutes blueprint: URLs only. The views live beside it, one module per page family:
`attendance` (attendance, people who came uninvited, the sheet and its scans), `minutes` (the compte
rendu), `decisions` (decisions, action items, the link to the contract) and `stats` (turnout, timeline).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_login import current_user

from concertation.accounts.models import UserRole
from concertation.minutes.routes import attendance, decisions, minutes, stats

bp = Blueprint("minutes", __name__)

GET = ["GET"]
POST = ["POST"]


@bp.context_processor
def helpers() -> dict[str, Any]:
    return {"can_organise": current_user.is_authenticated and current_user.has_role(UserRole.ORGANISATEUR)}


MEETING = "/reunions/<int:meeting_id>"

# Attendance
bp.add_url_rule(f"{MEETING}/emargement", "attendance_page", attendance.attendance_page, methods=GET)
bp.add_url_rule(f"{MEETING}/emargement", "record_attendance", attendance.record_attendance, methods=POST)
bp.add_url_rule(f"{MEETING}/emargement/autres", "add_other", attendance.add_other, methods=POST)
bp.add_url_rule(
    f"{MEETING}/emargement/autres/<int:attendance_id>/retrait",
    "remove_other",
    attendance.remove_other,
    methods=POST,
)
bp.add_url_rule(f"{MEETING}/feuille-emargement.pdf", "sheet", attendance.sheet, methods=GET)
bp.add_url_rule(f"{MEETING}/emargement/scans", "upload_scan", attendance.upload_scan, methods=POST)
bp.add_url_rule(
    f"{MEETING}/emargement/scans/<int:scan_id>", "download_scan", attendance.download_scan, methods=GET
)

# Compte rendu
bp.add_url_rule(f"{MEETING}/compte-rendu", "minutes_page", minutes.minutes_page, methods=GET)
bp.add_url_rule(f"{MEETING}/compte-rendu/commencer", "start_minutes", minutes.start_minutes, methods=POST)
bp.add_url_rule(
    f"{MEETING}/compte-rendu/modifier", "edit_minutes", minutes.edit_minutes, methods=[*GET, *POST]
)
bp.add_url_rule(f"{MEETING}/compte-rendu/sections", "add_section", minutes.add_section, methods=POST)
bp.add_url_rule(
    f"{MEETING}/compte-rendu/sections/<int:section_id>/suppression",
    "remove_section",
    minutes.remove_section,
    methods=POST,
)
bp.add_url_rule(f"{MEETING}/compte-rendu/validation", "validate", minutes.validate, methods=POST)
bp.add_url_rule(f"{MEETING}/compte-rendu/brouillon", "reopen", minutes.reopen, methods=POST)
bp.add_url_rule(
    f"{MEETING}/compte-rendu/diffusion", "diffusion_preview", minutes.diffusion_preview, methods=GET
)
bp.add_url_rule(f"{MEETING}/compte-rendu/diffusion", "diffusion", minutes.diffusion, methods=POST)
bp.add_url_rule(f"{MEETING}/compte-rendu/correction", "correction", minutes.correction, methods=POST)
bp.add_url_rule(f"{MEETING}/compte-rendu.pdf", "minutes_pdf", minutes.minutes_pdf, methods=GET)
bp.add_url_rule(f"{MEETING}/compte-rendu/versions/<int:number>", "version", minutes.version, methods=GET)

# Decisions, action items, contract link
bp.add_url_rule(f"{MEETING}/decisions", "decisions_page", decisions.decisions_page, methods=GET)
bp.add_url_rule(f"{MEETING}/decisions", "add_decision", decisions.add_decision, methods=POST)
bp.add_url_rule(f"{MEETING}/decisions/<int:decision_id>/annulation", "undo", decisions.undo, methods=POST)
bp.add_url_rule(f"{MEETING}/contrat", "link", decisions.link, methods=POST)
bp.add_url_rule(f"{MEETING}/actions", "new_action", decisions.new_action, methods=POST)
bp.add_url_rule(
    f"{MEETING}/actions/<int:action_id>/statut", "action_status", decisions.action_status, methods=POST
)

# Statistics and timeline
bp.add_url_rule("/statistiques/participation", "stats", stats.stats, methods=GET)
bp.add_url_rule(
    "/contrats/<int:contract_id>/chronologie",
    "contract_timeline_page",
    stats.contract_timeline_page,
    methods=GET,
)
