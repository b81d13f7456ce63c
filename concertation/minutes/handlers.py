"""Glue between meeting signals and the decisions (connected once by the app factory)."""

from __future__ import annotations

from typing import Any

from concertation.contracts.models import Contract
from concertation.meetings import signals
from concertation.meetings.models import Meeting
from concertation.minutes.decisions import relink_refusal


def _contract_relinking(meeting: Meeting, *, contract: Contract | None, **kwargs: Any) -> str | None:
    return relink_refusal(meeting, contract.id if contract is not None else None)


def connect() -> None:
    """Idempotent: blinker keeps one connection per receiver."""
    signals.contract_relinking.connect(_contract_relinking)
