"""Errors raised by account services, each with a French message for the user."""

from __future__ import annotations


class AccountError(Exception):
    """Base class: `str(error)` is shown to the user."""


class InvalidCredentials(AccountError):
    """The one message for an unknown address, a wrong password or a refused account: it tells nothing."""

    def __init__(self) -> None:
        super().__init__("Adresse électronique ou mot de passe incorrect.")


class LoginThrottled(AccountError):
    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        super().__init__(
            f"Trop de tentatives de connexion : patientez {seconds} seconde(s) avant de réessayer."
        )


class DirectoryDown(AccountError):
    def __init__(self) -> None:
        super().__init__("L'annuaire du Département ne répond pas : réessayez dans quelques minutes.")


class DuplicateAccount(AccountError):
    def __init__(self, email: str) -> None:
        super().__init__(f"Un compte existe déjà pour {email}.")


class WeakPassword(AccountError):
    def __init__(self) -> None:
        super().__init__("Le mot de passe doit comporter au moins 12 caractères.")


class LastAdmin(AccountError):
    def __init__(self) -> None:
        super().__init__(
            "C'est le dernier administrateur actif : il ne peut être ni désactivé ni rétrogradé."
        )


class InvalidResetLink(AccountError):
    def __init__(self) -> None:
        super().__init__(
            "Ce lien n'est plus valable (déjà utilisé ou plus de 24 heures) : demandez-en un nouveau."
        )


class DirectoryAccount(AccountError):
    def __init__(self) -> None:
        super().__init__(
            "Ce compte se connecte avec l'annuaire du Département : son mot de passe s'y change."
        )
