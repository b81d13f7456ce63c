"""The contracts blueprint: its URLs, each with its endpoint and the view that answers it, and the
template helpers it brings. The views are in `contracts` (contract pages), `projects` (project sheets)
and `amendments` (avenants and the reserve fund); what they share is in `common`.
"""

from __future__ import annotations

from flask import Blueprint

from concertation.contracts.routes import amendments, common, contracts, projects
from concertation.core.routing import GET, GET_POST, POST, UrlRule, add_rules

bp = Blueprint("contracts", __name__, url_prefix="/contrats")

CONTRACT = "/<int:contract_id>"
PROJECT = f"{CONTRACT}/projets/<int:project_id>"
AMENDMENT = f"{CONTRACT}/avenants/<int:amendment_id>"
SIGNATORY = f"{CONTRACT}/signataires/<int:signatory_id>"
DOCUMENT = f"{CONTRACT}/documents/<int:document_id>"
CHANGE = f"{AMENDMENT}/modifications/<int:change_id>"

# (rule under /contrats, endpoint, view, methods)
URLS: list[UrlRule] = [
    ("/", "index", contracts.index, GET),
    ("/nouveau", "create", contracts.create, GET_POST),
    (CONTRACT, "detail", contracts.detail, GET),
    (f"{CONTRACT}/modifier", "edit", contracts.edit, GET_POST),
    (f"{CONTRACT}/diagnostic", "diagnostic", contracts.diagnostic, GET_POST),
    (f"{CONTRACT}/etape", "stage", contracts.stage, GET_POST),
    (f"{CONTRACT}/signataires/nouveau", "add_signatory", contracts.add_signatory, GET_POST),
    (SIGNATORY, "edit_signatory", contracts.edit_signatory, GET_POST),
    (f"{SIGNATORY}/retrait", "remove_signatory", contracts.remove_signatory, POST),
    (f"{CONTRACT}/documents/nouveau", "add_document_page", contracts.add_document_page, GET_POST),
    (DOCUMENT, "download_document", contracts.download_document, GET),
    (f"{DOCUMENT}/suppression", "remove_document", contracts.remove_document, POST),
    (f"{CONTRACT}/maquette.csv", "export_csv", contracts.export_csv, GET),
    (f"{CONTRACT}/maquette.xlsx", "export_xlsx", contracts.export_xlsx, GET),
    (f"{CONTRACT}/historique", "history", contracts.history, GET),
    # Project sheets
    (f"{CONTRACT}/projets/nouveau", "create_project_page", projects.create_project_page, GET_POST),
    (f"{PROJECT}/modifier", "edit_project", projects.edit_project, GET_POST),
    (PROJECT, "project", projects.project, GET),
    (f"{PROJECT}/pre-instruction", "precheck", projects.precheck, POST),
    (f"{PROJECT}/statut", "status", projects.status, POST),
    (f"{PROJECT}/plan", "toggle_plan", projects.toggle_plan, POST),
    # Avenants and the reserve fund
    (f"{CONTRACT}/avenants/nouveau", "create_amendment", amendments.create_amendment, GET_POST),
    (AMENDMENT, "amendment", amendments.amendment, GET),
    (f"{AMENDMENT}/modifications", "add_amendment_change", amendments.add_amendment_change, POST),
    (f"{CHANGE}/retrait", "remove_amendment_change", amendments.remove_amendment_change, POST),
    (f"{AMENDMENT}/signature", "sign_amendment", amendments.sign_amendment, POST),
    (f"{AMENDMENT}/suppression", "delete_amendment", amendments.delete_amendment, POST),
    (f"{CONTRACT}/reserve/nouveau", "reserve_grant", amendments.reserve_grant, GET_POST),
]

add_rules(bp, URLS)

bp.add_app_template_filter(common.euros, "euros")
bp.add_app_template_filter(common.number_fr, "number_fr")
bp.add_app_template_filter(common.size_fr, "size_fr")
bp.context_processor(common.helpers)
