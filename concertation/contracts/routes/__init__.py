"""The contracts blueprint: its URLs, each with its endpoint and the view that answers it, and the
template helpers it brings. The views are in `contracts` (contract pages), `projects` (project sheets)
and `amendments` (avenants and the reserve fund); what they share is in `common`.
"""

from __future__ import annotations

from flask import Blueprint

from concertation.contracts.routes import amendments, common, contracts, projects

bp = Blueprint("contracts", __name__, url_prefix="/contrats")

GET_POST = ["GET", "POST"]
POST = ["POST"]

bp.add_app_template_filter(common.euros, "euros")
bp.add_app_template_filter(common.number_fr, "number_fr")
bp.add_app_template_filter(common.size_fr, "size_fr")
bp.context_processor(common.helpers)

# Contracts
bp.add_url_rule("/", "index", contracts.index)
bp.add_url_rule("/nouveau", "create", contracts.create, methods=GET_POST)
bp.add_url_rule("/<int:contract_id>", "detail", contracts.detail)
bp.add_url_rule("/<int:contract_id>/modifier", "edit", contracts.edit, methods=GET_POST)
bp.add_url_rule("/<int:contract_id>/diagnostic", "diagnostic", contracts.diagnostic, methods=GET_POST)
bp.add_url_rule("/<int:contract_id>/etape", "stage", contracts.stage, methods=GET_POST)
bp.add_url_rule(
    "/<int:contract_id>/signataires/nouveau", "add_signatory", contracts.add_signatory, methods=GET_POST
)
bp.add_url_rule(
    "/<int:contract_id>/signataires/<int:signatory_id>",
    "edit_signatory",
    contracts.edit_signatory,
    methods=GET_POST,
)
bp.add_url_rule(
    "/<int:contract_id>/signataires/<int:signatory_id>/retrait",
    "remove_signatory",
    contracts.remove_signatory,
    methods=POST,
)
bp.add_url_rule(
    "/<int:contract_id>/documents/nouveau", "add_document_page", contracts.add_document_page, methods=GET_POST
)
bp.add_url_rule(
    "/<int:contract_id>/documents/<int:document_id>", "download_document", contracts.download_document
)
bp.add_url_rule(
    "/<int:contract_id>/documents/<int:document_id>/suppression",
    "remove_document",
    contracts.remove_document,
    methods=POST,
)
bp.add_url_rule("/<int:contract_id>/maquette.csv", "export_csv", contracts.export_csv)
bp.add_url_rule("/<int:contract_id>/maquette.xlsx", "export_xlsx", contracts.export_xlsx)
bp.add_url_rule("/<int:contract_id>/historique", "history", contracts.history)

# Project sheets
bp.add_url_rule(
    "/<int:contract_id>/projets/nouveau",
    "create_project_page",
    projects.create_project_page,
    methods=GET_POST,
)
bp.add_url_rule(
    "/<int:contract_id>/projets/<int:project_id>/modifier",
    "edit_project",
    projects.edit_project,
    methods=GET_POST,
)
bp.add_url_rule("/<int:contract_id>/projets/<int:project_id>", "project", projects.project)
bp.add_url_rule(
    "/<int:contract_id>/projets/<int:project_id>/pre-instruction", "precheck", projects.precheck, methods=POST
)
bp.add_url_rule("/<int:contract_id>/projets/<int:project_id>/statut", "status", projects.status, methods=POST)
bp.add_url_rule(
    "/<int:contract_id>/projets/<int:project_id>/plan", "toggle_plan", projects.toggle_plan, methods=POST
)

# Avenants and the reserve fund
bp.add_url_rule(
    "/<int:contract_id>/avenants/nouveau", "create_amendment", amendments.create_amendment, methods=GET_POST
)
bp.add_url_rule("/<int:contract_id>/avenants/<int:amendment_id>", "amendment", amendments.amendment)
bp.add_url_rule(
    "/<int:contract_id>/avenants/<int:amendment_id>/modifications",
    "add_amendment_change",
    amendments.add_amendment_change,
    methods=POST,
)
bp.add_url_rule(
    "/<int:contract_id>/avenants/<int:amendment_id>/modifications/<int:change_id>/retrait",
    "remove_amendment_change",
    amendments.remove_amendment_change,
    methods=POST,
)
bp.add_url_rule(
    "/<int:contract_id>/avenants/<int:amendment_id>/signature",
    "sign_amendment",
    amendments.sign_amendment,
    methods=POST,
)
bp.add_url_rule(
    "/<int:contract_id>/avenants/<int:amendment_id>/suppression",
    "delete_amendment",
    amendments.delete_amendment,
    methods=POST,
)
bp.add_url_rule(
    "/<int:contract_id>/reserve/nouveau", "reserve_grant", amendments.reserve_grant, methods=GET_POST
)
