"""Errors of the minutes domain, each with a French message for the user."""

from __future__ import annotations

from concertation.core.errors import FieldErrors


class MinutesError(Exception):
    """Base class: `str(error)` is shown to the user."""


class InvalidInput(FieldErrors, MinutesError):
    """Input refused; `errors` maps each field to a French message. Nothing was written."""


class NotAllowed(MinutesError):
    """An action that the state of the meeting, the minutes or the decision forbids."""


class MinutesLocked(NotAllowed):
    """The minutes are validated or diffused: they change only through a new version."""

    def __init__(self, status_label: str) -> None:
        super().__init__(
            f"Le compte rendu est « {status_label} » : repassez-le en brouillon "
            "(ou ouvrez une version corrigée) pour le modifier."
        )
