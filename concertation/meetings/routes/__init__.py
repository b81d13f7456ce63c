"""The meetings blueprint: URLs only. The views live beside it: `meetings` (calendar, creation and
edition, the meeting page, history), `invitees` (changes to the invitee list, its export) and `rules`
(composition rules, for admins).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_login import current_user

from concertation.accounts.models import UserRole
from concertation.core.dates import format_day, format_meeting_time
from concertation.meetings import calendar
from concertation.meetings.routes import invitees, meetings, rules

bp = Blueprint("meetings", __name__, url_prefix="/reunions")

GET = ["GET"]
POST = ["POST"]


@bp.context_processor
def helpers() -> dict[str, Any]:
    return {
        "meeting_time": format_meeting_time,
        "french_date": format_day,
        "source_label": calendar.source_label,
        "can_organise": current_user.is_authenticated and current_user.has_role(UserRole.ORGANISATEUR),
        "is_admin": current_user.is_authenticated and current_user.has_role(UserRole.ADMIN),
    }


# Calendar, creation and edition, the meeting page, history
bp.add_url_rule("/", "index", meetings.index, methods=GET)
bp.add_url_rule("/nouvelle", "create", meetings.create, methods=[*GET, *POST])
bp.add_url_rule("/<int:meeting_id>/modifier", "edit", meetings.edit, methods=[*GET, *POST])
bp.add_url_rule("/<int:meeting_id>/suppression", "delete", meetings.delete, methods=POST)
bp.add_url_rule("/<int:meeting_id>", "detail", meetings.detail, methods=GET)
bp.add_url_rule("/historique/cc/<siren>", "history_cc", meetings.history_cc, methods=GET)
bp.add_url_rule("/historique/ville/<insee>", "history_town", meetings.history_town, methods=GET)

# The invitee list
bp.add_url_rule("/<int:meeting_id>/invites/ajout", "add_invitee", invitees.add_invitee, methods=POST)
bp.add_url_rule("/<int:meeting_id>/invites/retrait", "remove_invitee", invitees.remove_invitee, methods=POST)
bp.add_url_rule("/<int:meeting_id>/invites/mise-a-jour", "apply_diff", invitees.apply_diff, methods=POST)
bp.add_url_rule("/<int:meeting_id>/invites.csv", "export_invitees", invitees.export_invitees, methods=GET)

# Composition rules (admins)
bp.add_url_rule("/regles", "rules_admin", rules.rules_admin, methods=GET)
bp.add_url_rule("/regles", "rule_add", rules.rule_add, methods=POST)
bp.add_url_rule("/regles/<int:rule_id>/activation", "rule_toggle", rules.rule_toggle, methods=POST)
bp.add_url_rule("/regles/<int:rule_id>/deplacement", "rule_move", rules.rule_move, methods=POST)
bp.add_url_rule("/regles/<int:rule_id>/suppression", "rule_delete", rules.rule_delete, methods=POST)
