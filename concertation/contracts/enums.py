"""The fixed vocabularies of the contracts: stages, themes, statuses, with their French labels."""

from __future__ import annotations

from concertation.core.labels import LabelledEnum


class ContractStage(LabelledEnum):
    """The stages of a contrat territorial, in the only order they can follow."""

    DIAGNOSTIC = "diagnostic", "Diagnostic"
    PROPOSITIONS = "propositions", "Propositions d'actions"
    NEGOCIATION = "negociation", "Négociation"
    SIGNE = "signe", "Signé"
    MISE_EN_OEUVRE = "mise_en_oeuvre", "Mise en œuvre"
    EVALUE = "evalue", "Évalué"
    CLOS = "clos", "Clos"

    @property
    def rank(self) -> int:
        return list(ContractStage).index(self)

    @property
    def is_signed(self) -> bool:
        """Signed or later: the plan changes only through an avenant."""
        return self.rank >= ContractStage.SIGNE.rank


class Theme(LabelledEnum):
    """The six themes of the règlement; the short label fits a chart's legend."""

    ECONOMIE = (
        "economie",
        "Développement économique, agriculture, tourisme",
        "Économie, agriculture, tourisme",
    )
    SERVICES = "services", "Services et vie quotidienne", "Services, vie quotidienne"
    VOIRIE = "voirie", "Voirie"
    CADRE_DE_VIE = "cadre_de_vie", "Cadre de vie"
    URBANISME = "urbanisme", "Urbanisme, logement et accueil", "Urbanisme, logement"
    EAU = "eau", "AEP et assainissement", "Eau potable, assainissement"


class ProjectStatus(LabelledEnum):
    PROPOSEE = "proposee", "Proposée"
    RETENUE = "retenue", "Retenue"
    PROGRAMMEE = "programmee", "Programmée"
    DOSSIER_DEPOSE = "dossier_depose", "Dossier déposé"
    AIDE_ATTRIBUEE = "aide_attribuee", "Aide attribuée"
    REALISEE = "realisee", "Réalisée"
    ABANDONNEE = "abandonnee", "Abandonnée"


# Statuses of a funded project (in the plan or granted by the reserve fund).
FUNDED_STATUSES = frozenset(
    {
        ProjectStatus.RETENUE,
        ProjectStatus.PROGRAMMEE,
        ProjectStatus.DOSSIER_DEPOSE,
        ProjectStatus.AIDE_ATTRIBUEE,
        ProjectStatus.REALISEE,
    }
)
# Statuses of the implementation, reached once the contract is signed.
IMPLEMENTATION_STATUSES = FUNDED_STATUSES - {ProjectStatus.RETENUE}


class PreCheck(LabelledEnum):
    """Result of the pré-instruction by the Département's services."""

    CONFORME = "conforme", "Conforme"
    A_COMPLETER = "a_completer", "À compléter"
    NON_ELIGIBLE = "non_eligible", "Non éligible"


class OwnerKind(LabelledEnum):
    """The public bodies that may carry a project (maîtres d'ouvrage)."""

    COMMUNE = "commune", "Commune"
    INTERCOMMUNALITY = "intercommunality", "Communauté de communes"
    SYNDICATE = "syndicate", "Syndicat intercommunal"


class SignatoryKind(LabelledEnum):
    DEPARTEMENT = "departement", "Département"
    INTERCOMMUNALITY = "intercommunality", "Communauté de communes"
    COMMUNE = "commune", "Commune"
    SYNDICATE = "syndicate", "Syndicat intercommunal"


class AmendmentChangeKind(LabelledEnum):
    ADD = "add", "Projet ajouté"
    REMOVE = "remove", "Projet retiré"
    AMOUNT = "amount", "Montant modifié"


class DiagnosticHeading(LabelledEnum):
    """The headings of the diagnostic, stored as columns of the contract."""

    ATOUTS = "atouts", "Atouts (points forts)"
    FAIBLESSES = "faiblesses", "Faiblesses (points faibles)"
    DYNAMIQUES = "dynamiques", "Dynamiques existantes"
    ENJEUX = "enjeux", "Enjeux principaux"


class EventKind(LabelledEnum):
    """What a history event is about; the timeline groups and labels them."""

    CONTRACT = "contract", "Contrat"
    STAGE = "stage", "Étape"
    DIAGNOSTIC = "diagnostic", "Diagnostic"
    SIGNATORY = "signatory", "Signataires"
    DOCUMENT = "document", "Documents"
    PROJECT = "project", "Fiche projet"
    STATUS = "status", "Statut"
    PRIORITY = "priority", "Priorité"
    AMOUNT = "amount", "Montants"
    PLAN = "plan", "Plan d'actions"
    PRECHECK = "precheck", "Pré-instruction"
    AMENDMENT = "amendment", "Avenant"
    RESERVE = "reserve", "Fonds de réserve"
    NOTE = "note", "Note"
