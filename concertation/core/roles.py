"""The staff roles, in core because the access checks (core.security) and the accounts both use them."""

from __future__ import annotations

from enum import StrEnum


class UserRole(StrEnum):
    ADMIN = "admin"
    ORGANISATEUR = "organisateur"
    LECTEUR = "lecteur"

    @property
    def label(self) -> str:
        return {"admin": "Administrateur", "organisateur": "Organisateur", "lecteur": "Lecteur"}[self.value]


# A role may do everything the roles after it in this order may do.
ROLE_RANK = {UserRole.LECTEUR: 0, UserRole.ORGANISATEUR: 1, UserRole.ADMIN: 2}
