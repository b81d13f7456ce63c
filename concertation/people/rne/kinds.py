"""The three kinds of RNE file and the roles each one is authoritative for.

Kept apart from parsing and writing because both sides need it: the header decides the kind, and the
kind decides which open mandates a newer file may close.
"""

from __future__ import annotations

import re

from concertation.core.labels import LabelledEnum
from concertation.core.text import fold
from concertation.people.models import Role


class RneFileKind(LabelledEnum):
    MAIRES = "maires", "maires"
    CONSEILLERS_DEPARTEMENTAUX = "conseillers_departementaux", "conseillers départementaux"
    CONSEILLERS_COMMUNAUTAIRES = "conseillers_communautaires", "conseillers communautaires"


# The roles a file of each kind is authoritative for: only these are closed when they disappear.
KIND_ROLES: dict[RneFileKind, tuple[Role, ...]] = {
    RneFileKind.MAIRES: (Role.MAIRE,),
    RneFileKind.CONSEILLERS_DEPARTEMENTAUX: (
        Role.CONSEILLER_DEPARTEMENTAL,
        Role.PRESIDENT_CONSEIL_DEPARTEMENTAL,
    ),
    RneFileKind.CONSEILLERS_COMMUNAUTAIRES: (
        Role.CONSEILLER_COMMUNAUTAIRE,
        Role.PRESIDENT_EPCI,
        Role.VICE_PRESIDENT_EPCI,
    ),
}

# Council seats date from the election (début du mandat); functions from their own vote.
COUNCIL_ROLES = frozenset({Role.CONSEILLER_DEPARTEMENTAL, Role.CONSEILLER_COMMUNAUTAIRE})

# Matched at the start of the folded function: "Présidente du conseil départemental de la Lozère"
# counts, "1er vice-président du conseil départemental" does not.
_PRESIDENT_CD = re.compile(r"presidente? du conseil departemental\b")
_PRESIDENT_EPCI = re.compile(r"presidente? du conseil communautaire\b")
_VICE_PRESIDENT = re.compile(r"\bvice[- ]?presidente?\b")


def roles_of(kind: RneFileKind, function_label: str) -> tuple[Role, ...]:
    """The roles one row gives; functions are compared folded ("5ème", "5eme", "5e vice-président")."""
    folded = fold(function_label)
    if kind is RneFileKind.MAIRES:
        return (Role.MAIRE,) if folded == "maire" else ()
    if kind is RneFileKind.CONSEILLERS_DEPARTEMENTAUX:
        if _PRESIDENT_CD.match(folded):
            return (Role.CONSEILLER_DEPARTEMENTAL, Role.PRESIDENT_CONSEIL_DEPARTEMENTAL)
        return (Role.CONSEILLER_DEPARTEMENTAL,)
    if _VICE_PRESIDENT.search(folded):
        return (Role.CONSEILLER_COMMUNAUTAIRE, Role.VICE_PRESIDENT_EPCI)
    if _PRESIDENT_EPCI.match(folded):
        return (Role.CONSEILLER_COMMUNAUTAIRE, Role.PRESIDENT_EPCI)
    return (Role.CONSEILLER_COMMUNAUTAIRE,)
