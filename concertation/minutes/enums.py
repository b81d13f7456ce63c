"""The fixed vocabularies of the minutes domain, with their French labels."""

from __future__ import annotations

from enum import StrEnum


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    EXCUSE = "excuse"
    REPRESENTE = "represente"
    ABSENT = "absent"

    @property
    def label(self) -> str:
        return {
            "present": "Présent(e)",
            "excuse": "Excusé(e)",
            "represente": "Représenté(e)",
            "absent": "Absent(e)",
        }[self.value]

    @property
    def counts_as_came(self) -> bool:
        """Present in person or through a representative: what the turnout counts."""
        return self in (AttendanceStatus.PRESENT, AttendanceStatus.REPRESENTE)


class AttendeeKind(StrEnum):
    """Who a line of the attendance is: an invitee, or someone who came without an invitation."""

    INVITE = "invite"
    ELU = "elu"
    DEPARTEMENT = "departement"
    PARTENAIRE = "partenaire"

    @property
    def label(self) -> str:
        return {
            "invite": "Invité(e)",
            "elu": "Élu(e) non invité(e)",
            "departement": "Agent du Département",
            "partenaire": "Partenaire ou invité",
        }[self.value]


class MinutesStatus(StrEnum):
    BROUILLON = "brouillon"
    VALIDE = "valide"
    DIFFUSE = "diffuse"

    @property
    def label(self) -> str:
        return {"brouillon": "Brouillon", "valide": "Validé", "diffuse": "Diffusé"}[self.value]


class DecisionKind(StrEnum):
    DIAGNOSTIC_VALIDE = "diagnostic_valide"
    PRIORITE_PROJET = "priorite_projet"
    PROJET_AJOUTE = "projet_ajoute"
    PROJET_RETIRE = "projet_retire"
    MONTANT_MODIFIE = "montant_modifie"
    PLAN_ARRETE = "plan_arrete"
    AVENANT_PROPOSE = "avenant_propose"
    AVENANT_APPROUVE = "avenant_approuve"
    RESERVE_ACCORDEE = "reserve_accordee"
    AUTRE = "autre"

    @property
    def label(self) -> str:
        return DECISION_LABELS[self]

    @property
    def needs_contract(self) -> bool:
        return self is not DecisionKind.AUTRE

    @property
    def needs_project(self) -> bool:
        return self in PROJECT_KINDS


DECISION_LABELS: dict[DecisionKind, str] = {
    DecisionKind.DIAGNOSTIC_VALIDE: "Diagnostic validé",
    DecisionKind.PRIORITE_PROJET: "Priorité d'un projet",
    DecisionKind.PROJET_AJOUTE: "Projet ajouté au plan d'actions",
    DecisionKind.PROJET_RETIRE: "Projet retiré du plan d'actions",
    DecisionKind.MONTANT_MODIFIE: "Montants d'un projet modifiés",
    DecisionKind.PLAN_ARRETE: "Plan d'actions arrêté",
    DecisionKind.AVENANT_PROPOSE: "Avenant proposé",
    DecisionKind.AVENANT_APPROUVE: "Avenant approuvé et signé",
    DecisionKind.RESERVE_ACCORDEE: "Aide du fonds de réserve accordée",
    DecisionKind.AUTRE: "Autre décision",
}

PROJECT_KINDS = frozenset(
    {
        DecisionKind.PRIORITE_PROJET,
        DecisionKind.PROJET_AJOUTE,
        DecisionKind.PROJET_RETIRE,
        DecisionKind.MONTANT_MODIFIE,
        DecisionKind.RESERVE_ACCORDEE,
    }
)


class ActionStatus(StrEnum):
    A_FAIRE = "a_faire"
    EN_COURS = "en_cours"
    FAITE = "faite"
    ABANDONNEE = "abandonnee"

    @property
    def label(self) -> str:
        return {
            "a_faire": "À faire",
            "en_cours": "En cours",
            "faite": "Faite",
            "abandonnee": "Abandonnée",
        }[self.value]

    @property
    def is_open(self) -> bool:
        return self in (ActionStatus.A_FAIRE, ActionStatus.EN_COURS)


OPEN_ACTION_STATUSES = (ActionStatus.A_FAIRE, ActionStatus.EN_COURS)
