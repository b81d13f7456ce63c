"""Errors raised by account services, each with a French message for the user."""

from __future__ import annotations


class AccountError(Exception):
    """Base class: `str(error)` is shown to the user."""


class InvalidCredentials(AccountError):
    def __init__(self) -> None:
        super().__init__("Adresse électronique ou mot de passe incorrect.")


class AccountLocked(AccountError):
    def __init__(self, minutes: int) -> None:
        super().__init__(
            f"Trop de tentatives de connexion : compte bloqué pendant encore {minutes} minute(s)."
        )


class DuplicateAccount(AccountError):
    def __init__(self, email: str) -> None:
        super().__init__(f"Un compte existe déjà pour {email}.")


class WeakPassword(AccountError):
    def __init__(self) -> None:
        super().__init__("Le mot de passe doit comporter au moins 12 caractères.")
