"""Invitation errors, each with a French message."""

from __future__ import annotations


class InvitationError(Exception):
    """Base class: `str(error)` is shown to the user."""


class CannotConvoke(InvitationError):
    pass


class AnswersClosed(InvitationError):
    def __init__(self) -> None:
        super().__init__("La réunion est passée ou annulée : les réponses sont closes.")


class InvalidAnswer(InvitationError):
    pass
