"""Settings the règlement leaves open (rates, ceilings, documents), read from the app config by callers.

Services never read `current_app`: routes, the API and CLI commands build these objects from the config
(`project_rules(current_app.config)`) and pass them in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from concertation.core.uploads import UploadRules, upload_rules

DEFAULT_MAX_GRANT_RATE = Decimal("0.80")
DEFAULT_DURATION_YEARS = 3
# Longest title (the columns are String(300)) and longest text (diagnostic, description, motive).
MAX_TITLE = 300
MAX_TEXT = 20_000


@dataclass(frozen=True)
class ProjectRules:
    """Financial rules of a project sheet.

    `max_grant_rate`: the Département's grant is at most this share of the estimated cost (None: no
    ceiling); `max_grant_amount`: ceiling in euros (None: none); `min_project_cost`: smallest eligible cost.
    """

    max_grant_rate: Decimal | None = DEFAULT_MAX_GRANT_RATE
    max_grant_amount: Decimal | None = None
    min_project_cost: Decimal = Decimal("0.00")


# The checks of an upload are core's (meetings attach documents the same way).
DocumentRules = UploadRules


def _decimal(value: Any, default: Decimal | None) -> Decimal | None:
    if value is None or value == "":
        return default
    return Decimal(str(value))


def project_rules(config: Mapping[str, Any]) -> ProjectRules:
    """CONTRACT_MAX_GRANT_RATE (0.80; "" or "none" for no ceiling), CONTRACT_MAX_GRANT_AMOUNT (none),
    CONTRACT_MIN_PROJECT_COST (0)."""
    rate = config.get("CONTRACT_MAX_GRANT_RATE", DEFAULT_MAX_GRANT_RATE)
    if isinstance(rate, str) and rate.strip().lower() in {"", "none", "aucun"}:
        rate = None
    return ProjectRules(
        max_grant_rate=_decimal(rate, None),
        max_grant_amount=_decimal(config.get("CONTRACT_MAX_GRANT_AMOUNT"), None),
        min_project_cost=_decimal(config.get("CONTRACT_MIN_PROJECT_COST"), None) or Decimal("0.00"),
    )


def document_rules(config: Mapping[str, Any]) -> DocumentRules:
    """CONTRACT_DOCUMENT_MAX_BYTES (10 Mio) and CONTRACT_DOCUMENT_EXTENSIONS (comma-separated)."""
    return upload_rules(config, "CONTRACT_DOCUMENT")


def duration_years(config: Mapping[str, Any]) -> int:
    """CONTRACT_DURATION_YEARS: default length of a new contract (3 years, as the règlement says)."""
    return int(config.get("CONTRACT_DURATION_YEARS", DEFAULT_DURATION_YEARS))
