"""The fixed vocabularies of the contracts: stages, themes, statuses, with their French labels."""

from __future__ import annotations

from enum import StrEnum


class ContractStage(StrEnum):
    """The stages of a contrat territorial, in the only order they can follow."""

    DIAGNOSTIC = "diagnostic"
    PROPOSITIONS = "propositions"
    NEGOCIATION = "negociation"
    SIGNE = "signe"
    MISE_EN_OEUVRE = "mise_en_oeuvre"
    EVALUE = "evalue"
    CLOS = "clos"

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]

    @property
    def rank(self) -> int:
        return list(ContractStage).index(self)

    @property
    def is_signed(self) -> bool:
        """Signed or later: the plan changes only through an avenant."""
        return self.rank >= ContractStage.SIGNE.rank


STAGE_LABELS: dict[ContractStage, str] = {
    ContractStage.DIAGNOSTIC: "Diagnostic",
    ContractStage.PROPOSITIONS: "Propositions d'actions",
    ContractStage.NEGOCIATION: "Négociation",
    ContractStage.SIGNE: "Signé",
    ContractStage.MISE_EN_OEUVRE: "Mise en œuvre",
    ContractStage.EVALUE: "Évalué",
    ContractStage.CLOS: "Clos",
}


class Theme(StrEnum):
    """The six themes of the règlement."""

    ECONOMIE = "economie"
    SERVICES = "services"
    VOIRIE = "voirie"
    CADRE_DE_VIE = "cadre_de_vie"
    URBANISME = "urbanisme"
    EAU = "eau"

    @property
    def label(self) -> str:
        return THEME_LABELS[self]


THEME_LABELS: dict[Theme, str] = {
    Theme.ECONOMIE: "Développement économique, agriculture, tourisme",
    Theme.SERVICES: "Services et vie quotidienne",
    Theme.VOIRIE: "Voirie",
    Theme.CADRE_DE_VIE: "Cadre de vie",
    Theme.URBANISME: "Urbanisme, logement et accueil",
    Theme.EAU: "AEP et assainissement",
}

THEME_SHORT_LABELS: dict[Theme, str] = {
    Theme.ECONOMIE: "Économie, agriculture, tourisme",
    Theme.SERVICES: "Services, vie quotidienne",
    Theme.VOIRIE: "Voirie",
    Theme.CADRE_DE_VIE: "Cadre de vie",
    Theme.URBANISME: "Urbanisme, logement",
    Theme.EAU: "Eau potable, assainissement",
}


class ProjectStatus(StrEnum):
    PROPOSEE = "proposee"
    RETENUE = "retenue"
    PROGRAMMEE = "programmee"
    DOSSIER_DEPOSE = "dossier_depose"
    AIDE_ATTRIBUEE = "aide_attribuee"
    REALISEE = "realisee"
    ABANDONNEE = "abandonnee"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS: dict[ProjectStatus, str] = {
    ProjectStatus.PROPOSEE: "Proposée",
    ProjectStatus.RETENUE: "Retenue",
    ProjectStatus.PROGRAMMEE: "Programmée",
    ProjectStatus.DOSSIER_DEPOSE: "Dossier déposé",
    ProjectStatus.AIDE_ATTRIBUEE: "Aide attribuée",
    ProjectStatus.REALISEE: "Réalisée",
    ProjectStatus.ABANDONNEE: "Abandonnée",
}

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


class PreCheck(StrEnum):
    """Result of the pré-instruction by the Département's services."""

    CONFORME = "conforme"
    A_COMPLETER = "a_completer"
    NON_ELIGIBLE = "non_eligible"

    @property
    def label(self) -> str:
        return {"conforme": "Conforme", "a_completer": "À compléter", "non_eligible": "Non éligible"}[
            self.value
        ]


class OwnerKind(StrEnum):
    """The public bodies that may carry a project (maîtres d'ouvrage)."""

    COMMUNE = "commune"
    INTERCOMMUNALITY = "intercommunality"
    SYNDICATE = "syndicate"

    @property
    def label(self) -> str:
        return {
            "commune": "Commune",
            "intercommunality": "Communauté de communes",
            "syndicate": "Syndicat intercommunal",
        }[self.value]


class SignatoryKind(StrEnum):
    DEPARTEMENT = "departement"
    INTERCOMMUNALITY = "intercommunality"
    COMMUNE = "commune"
    SYNDICATE = "syndicate"

    @property
    def label(self) -> str:
        return {
            "departement": "Département",
            "intercommunality": "Communauté de communes",
            "commune": "Commune",
            "syndicate": "Syndicat intercommunal",
        }[self.value]


class AmendmentChangeKind(StrEnum):
    ADD = "add"
    REMOVE = "remove"
    AMOUNT = "amount"

    @property
    def label(self) -> str:
        return {"add": "Projet ajouté", "remove": "Projet retiré", "amount": "Montant modifié"}[self.value]


class DiagnosticHeading(StrEnum):
    """The headings of the diagnostic, stored as columns of the contract."""

    ATOUTS = "atouts"
    FAIBLESSES = "faiblesses"
    DYNAMIQUES = "dynamiques"
    ENJEUX = "enjeux"

    @property
    def label(self) -> str:
        return {
            "atouts": "Atouts (points forts)",
            "faiblesses": "Faiblesses (points faibles)",
            "dynamiques": "Dynamiques existantes",
            "enjeux": "Enjeux principaux",
        }[self.value]


class EventKind(StrEnum):
    """What a history event is about; the timeline groups and labels them."""

    CONTRACT = "contract"
    STAGE = "stage"
    DIAGNOSTIC = "diagnostic"
    SIGNATORY = "signatory"
    DOCUMENT = "document"
    PROJECT = "project"
    STATUS = "status"
    PRIORITY = "priority"
    AMOUNT = "amount"
    PLAN = "plan"
    PRECHECK = "precheck"
    AMENDMENT = "amendment"
    RESERVE = "reserve"
    NOTE = "note"
