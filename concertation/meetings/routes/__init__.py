"""The meetings blueprint: URLs only. The views live beside it: `meetings` (calendar, creation and
edition, the meeting page, history), `invitees` (changes to the invitee list, its export), `documents`
(the files attached to a meeting) and `rules` (composition rules, for admins).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_login import current_user

from concertation.accounts.models import UserRole
from concertation.core.dates import format_day, format_meeting_time
from concertation.core.routing import GET, GET_POST, POST, UrlRule, add_rules
from concertation.meetings import calendar, contracts
from concertation.meetings.routes import documents, invitees, meetings, rules

bp = Blueprint("meetings", __name__, url_prefix="/reunions")

DOCUMENT = "/<int:meeting_id>/documents/<int:document_id>"


@bp.context_processor
def helpers() -> dict[str, Any]:
    return {
        "meeting_time": format_meeting_time,
        "french_date": format_day,
        "source_label": calendar.source_label,
        "can_organise": current_user.is_authenticated and current_user.has_role(UserRole.ORGANISATEUR),
        "is_admin": current_user.is_authenticated and current_user.has_role(UserRole.ADMIN),
        "documents_panel": documents.panel,
        "contracts_covered": contracts.contracts_covered,
    }


# (rule under /reunions, endpoint, view, methods)
URLS: list[UrlRule] = [
    # Calendar, creation and edition, the meeting page, history
    ("/", "index", meetings.index, GET),
    ("/nouvelle", "create", meetings.create, GET_POST),
    ("/<int:meeting_id>/modifier", "edit", meetings.edit, GET_POST),
    ("/<int:meeting_id>/suppression", "delete", meetings.delete, POST),
    ("/<int:meeting_id>", "detail", meetings.detail, GET),
    ("/historique/cc/<siren>", "history_cc", meetings.history_cc, GET),
    ("/historique/ville/<insee>", "history_town", meetings.history_town, GET),
    # The invitee list
    ("/<int:meeting_id>/invites/ajout", "add_invitee", invitees.add_invitee, POST),
    ("/<int:meeting_id>/invites/retrait", "remove_invitee", invitees.remove_invitee, POST),
    ("/<int:meeting_id>/invites/mise-a-jour", "apply_diff", invitees.apply_diff, POST),
    ("/<int:meeting_id>/invites.csv", "export_invitees", invitees.export_invitees, GET),
    # Documents
    ("/<int:meeting_id>/documents/nouveau", "add_document", documents.add_document, GET_POST),
    (DOCUMENT, "download_document", documents.download_document, GET),
    (f"{DOCUMENT}/titre", "retitle_document", documents.retitle_document, POST),
    (f"{DOCUMENT}/deplacement", "move_document", documents.move_document, POST),
    (f"{DOCUMENT}/suppression", "delete_document", documents.delete_document, POST),
    # Composition rules (admins)
    ("/regles", "rules_admin", rules.rules_admin, GET),
    ("/regles", "rule_add", rules.rule_add, POST),
    ("/regles/<int:rule_id>/activation", "rule_toggle", rules.rule_toggle, POST),
    ("/regles/<int:rule_id>/deplacement", "rule_move", rules.rule_move, POST),
    ("/regles/<int:rule_id>/suppression", "rule_delete", rules.rule_delete, POST),
]

add_rules(bp, URLS)
