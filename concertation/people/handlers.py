"""Glue between territory signals and people services (connected once by the app factory)."""

from __future__ import annotations

from typing import Any

from concertation.people import services
from concertation.territory import signals
from concertation.territory.models import Syndicate


def _syndicate_deleting(syndicate: Syndicate, **kwargs: Any) -> int:
    return services.delete_mandates_in("syndicate", syndicate.id)


def connect() -> None:
    """Idempotent: blinker keeps one connection per receiver."""
    signals.syndicate_deleting.connect(_syndicate_deleting)
