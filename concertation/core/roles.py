"""The staff roles, in core because the access checks (core.security) and the accounts both use them."""

from __future__ import annotations

from concertation.core.labels import LabelledEnum


class UserRole(LabelledEnum):
    ADMIN = "admin", "Administrateur"
    ORGANISATEUR = "organisateur", "Organisateur"
    LECTEUR = "lecteur", "Lecteur"


# A role may do everything the roles after it in this order may do.
ROLE_RANK = {UserRole.LECTEUR: 0, UserRole.ORGANISATEUR: 1, UserRole.ADMIN: 2}
