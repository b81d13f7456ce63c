"""The Core tables and column names the bulk import reads and writes.

The import works on Core tables rather than ORM objects: bulk statements on them skip the ORM's
per-row bookkeeping, which a national file (35,000 maires) cannot afford.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table

from concertation.people.models import ROLE_BODY, Mandate, Person, Role
from concertation.people.rne.kinds import RneFileKind

PERSON_TABLE = cast(Table, Person.__table__)
MANDATE_TABLE = cast(Table, Mandate.__table__)
PERSON = PERSON_TABLE.c
MANDATE = MANDATE_TABLE.c

KIND_BODY_ATTRIBUTE = {
    RneFileKind.MAIRES: "commune_id",
    RneFileKind.CONSEILLERS_DEPARTEMENTAUX: "canton_id",
    RneFileKind.CONSEILLERS_COMMUNAUTAIRES: "intercommunality_id",
}
ROLE_BODY_ATTRIBUTE: dict[Role, str | None] = {
    role: {"commune": "commune_id", "intercommunality": "intercommunality_id", "canton": "canton_id"}.get(
        body or ""
    )
    for role, body in ROLE_BODY.items()
}


ROLE_VALUE = {role: role.value for role in Role}  # plain str: cheaper to bind than the enum
