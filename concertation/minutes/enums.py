"""The fixed vocabularies of the minutes domain, with their French labels."""

from __future__ import annotations

from concertation.core.labels import LabelledEnum


class AttendanceStatus(LabelledEnum):
    PRESENT = "present", "Présent(e)"
    EXCUSE = "excuse", "Excusé(e)"
    REPRESENTE = "represente", "Représenté(e)"
    ABSENT = "absent", "Absent(e)"

    @property
    def counts_as_came(self) -> bool:
        """Present in person or through a representative: what the turnout counts."""
        return self in (AttendanceStatus.PRESENT, AttendanceStatus.REPRESENTE)


class AttendeeKind(LabelledEnum):
    """Who a line of the attendance is: an invitee, or someone who came without an invitation."""

    INVITE = "invite", "Invité(e)"
    ELU = "elu", "Élu(e) non invité(e)"
    DEPARTEMENT = "departement", "Agent du Département"
    PARTENAIRE = "partenaire", "Partenaire ou invité"


class MinutesStatus(LabelledEnum):
    BROUILLON = "brouillon", "Brouillon"
    VALIDE = "valide", "Validé"
    DIFFUSE = "diffuse", "Diffusé"


class DecisionKind(LabelledEnum):
    DIAGNOSTIC_VALIDE = "diagnostic_valide", "Diagnostic validé"
    PRIORITE_PROJET = "priorite_projet", "Priorité d'un projet"
    PROJET_AJOUTE = "projet_ajoute", "Projet ajouté au plan d'actions"
    PROJET_RETIRE = "projet_retire", "Projet retiré du plan d'actions"
    MONTANT_MODIFIE = "montant_modifie", "Montants d'un projet modifiés"
    PLAN_ARRETE = "plan_arrete", "Plan d'actions arrêté"
    AVENANT_PROPOSE = "avenant_propose", "Avenant proposé"
    AVENANT_APPROUVE = "avenant_approuve", "Avenant approuvé et signé"
    RESERVE_ACCORDEE = "reserve_accordee", "Aide du fonds de réserve accordée"
    AUTRE = "autre", "Autre décision"

    @property
    def needs_contract(self) -> bool:
        return self is not DecisionKind.AUTRE

    @property
    def needs_project(self) -> bool:
        return self in PROJECT_KINDS


PROJECT_KINDS = frozenset(
    {
        DecisionKind.PRIORITE_PROJET,
        DecisionKind.PROJET_AJOUTE,
        DecisionKind.PROJET_RETIRE,
        DecisionKind.MONTANT_MODIFIE,
        DecisionKind.RESERVE_ACCORDEE,
    }
)


class ActionStatus(LabelledEnum):
    A_FAIRE = "a_faire", "À faire"
    EN_COURS = "en_cours", "En cours"
    FAITE = "faite", "Faite"
    ABANDONNEE = "abandonnee", "Abandonnée"

    @property
    def is_open(self) -> bool:
        return self in OPEN_ACTION_STATUSES


OPEN_ACTION_STATUSES = (ActionStatus.A_FAIRE, ActionStatus.EN_COURS)
