"""What the contract pages share: template helpers, settings from the config, loading, answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import abort, current_app, flash, redirect, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from concertation.accounts.current import signed_in_user
from concertation.accounts.models import UserRole
from concertation.contracts import queries
from concertation.contracts.enums import ContractStage
from concertation.contracts.history import kind_label
from concertation.contracts.models import Contract, ProjectSheet
from concertation.contracts.money import format_euros
from concertation.contracts.origin import Origin
from concertation.contracts.settings import DocumentRules, ProjectRules, document_rules, project_rules
from concertation.core.numbers import format_number, format_size


def euros(value: Any) -> str:
    return format_euros(value) if value is not None else ""


def number_fr(value: Any, decimals: int | None = None) -> str:
    """{{ row.share|number_fr(1) }} -> "93,3"; "" for None."""
    return format_number(value, decimals) if value is not None else ""


def size_fr(value: int) -> str:
    return format_size(value)


def helpers() -> dict[str, Any]:
    """The names every contract template may use."""
    return {
        "can_organise": current_user.is_authenticated and current_user.has_role(UserRole.ORGANISATEUR),
        "stages": list(ContractStage),
        "event_kind_label": kind_label,
    }


def by_me() -> Origin:
    """The origin of a change made on a contract page: the signed-in user, today, outside any meeting."""
    return Origin(user=signed_in_user())


def rules() -> ProjectRules:
    """CONTRACT_MAX_GRANT_RATE, CONTRACT_MAX_GRANT_AMOUNT, CONTRACT_MIN_PROJECT_COST."""
    return project_rules(current_app.config)


def documents_rules() -> DocumentRules:
    """CONTRACT_DOCUMENT_MAX_BYTES, CONTRACT_DOCUMENT_EXTENSIONS."""
    return document_rules(current_app.config)


def documents_folder() -> Path:
    """CONTRACT_DOCUMENTS_DIR, by default the `contracts` folder of the instance."""
    configured = current_app.config.get("CONTRACT_DOCUMENTS_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "contracts"


def load_or_404(contract_id: int) -> Contract:
    contract = queries.load_contract(contract_id)
    if contract is None:
        abort(404)
    return contract


def project_or_404(contract: Contract, project_id: int) -> ProjectSheet:
    project = next((p for p in contract.projects if p.id == project_id), None)
    if project is None:
        abort(404)
    return project


def back(contract: Contract, anchor: str = "") -> BaseResponse:
    return redirect(url_for("contracts.detail", contract_id=contract.id, _anchor=anchor or None), 303)


def flash_error(message: str) -> None:
    flash(message, "danger")
