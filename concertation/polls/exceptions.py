"""The poll's domain errors, each with the French message the organiser or the élu reads."""

from __future__ import annotations


class PollError(Exception):
    """A poll action refused; `field` names the form field the message belongs to, if any."""

    def __init__(self, message: str, field: str = "") -> None:
        self.field = field
        super().__init__(message)


class InvalidPoll(PollError):
    """The proposed slots, deadline or message cannot make a poll."""


class PollClosed(PollError):
    def __init__(self) -> None:
        super().__init__("Le sondage est clos : les réponses ne sont plus acceptées.")


class SlotAlreadyChosen(PollError):
    def __init__(self) -> None:
        super().__init__("Un créneau a déjà été retenu pour ce sondage : rien n'est renvoyé.")
