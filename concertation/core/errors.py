"""What the domains' errors share."""

from __future__ import annotations


class FieldErrors(Exception):
    """Input refused; `errors` maps each field to a French message. Nothing was written.

    A domain's InvalidInput derives from it and from the domain's base error.
    """

    def __init__(self, errors: dict[str, str], what: str = "Données non enregistrées") -> None:
        super().__init__(f"{what} : " + " ".join(errors.values()))
        self.errors = errors
