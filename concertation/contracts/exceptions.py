"""Contract errors, each with a French message for the user."""

from __future__ import annotations

from concertation.core.errors import FieldErrors


class ContractError(Exception):
    """Base class: `str(error)` is shown to the user."""


class InvalidInput(FieldErrors, ContractError):
    """Input refused; `errors` maps each field to a French message. Nothing was written."""


class TransitionRefused(ContractError):
    """A stage transition whose conditions are not met; `problems` lists each of them."""

    def __init__(self, target_label: str, problems: list[str]) -> None:
        super().__init__(f"Passage à l'étape « {target_label} » refusé : " + " ".join(problems))
        self.problems = problems


class PlanLocked(ContractError):
    """The contract is signed: its action plan changes only through an avenant."""

    def __init__(self, detail: str = "") -> None:
        message = "Le contrat est signé : son plan d'actions ne change que par un avenant."
        super().__init__(f"{message} {detail}".strip())


class NotAllowed(ContractError):
    """An action that the contract's or the project's current state forbids."""


class ChangeConflict(ContractError):
    """A change cannot be reverted: the value changed again since."""
