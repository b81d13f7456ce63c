"""The tables the demo builder draws from: names, dates, rates, syndicates and the awkward identities.

Plain data and one pure function (`demo_syndicates`); nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from concertation.territory.models import Commune

DEMO_NOTE = "Donnée fictive de démonstration"
DEMO_DOMAIN = "example.org"
SEED = "concertation-lozere-demo-2026"
# Municipal and intercommunal councils were renewed after the March 2026 election; the departmental
# council after the June 2021 election.
MUNICIPAL_START = date(2026, 3, 22)
DEPARTMENTAL_START = date(2021, 7, 1)
NO_EMAIL_RATE = 0.1
FEMALE_MAYOR_RATE = 0.3
DEPARTEMENT_ADDRESS = "Hôtel du Département\n4 rue de la Rovère\n48000 Mende"


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


MEN = _words(
    "Alain Bernard Bruno Christian Christophe Daniel Denis Didier Éric Francis Frédéric Gérard Gilles Guy "
    "Henri Hervé Jacques Jean Jean-Marc Jean-Paul Joël Julien Laurent Lionel Marc Michel Nicolas Olivier "
    "Pascal Patrick Philippe Pierre Régis Rémi Roland Sébastien Serge Stéphane Thierry Thomas Vincent Yves"
)
WOMEN = _words(
    "Agnès Annie Anne Audrey Béatrice Brigitte Camille Catherine Céline Chantal Christine Claire Corinne "
    "Danielle Delphine Élodie Émilie Florence Françoise Geneviève Hélène Isabelle Josiane Karine Laurence "
    "Marie Marie-Claude Martine Michèle Mireille Monique Muriel Nathalie Odile Pauline Sandrine Sophie "
    "Sylvie Valérie Véronique"
)
SURNAMES = _words(
    "Aldebert Astruc Baldit Bastide Boissonnade Bonnal Bonnet Bouniol Boyer Bringer Brunel Causse Chabert "
    "Chapelle Chaptal Charbonnier Couderc Crespin Dalle Delmas Durand Estève Fabre Gély Gibelin Hermet "
    "Jaffuel Jourdan Laurens Malaval Malige Mathieu Mazet Monteil Nogaret Pagès Pantel Plantier Portal "
    "Pouget Pradal Prouhèze Ressouche Rouquette Rousset Rouvière Roux Sabatier Salles Séguin Solignac "
    "Teissier Tichit Trauchessec Valentin Velay Vernhet Vidal"
)


# Cantons where a maire of the bureau centralisateur also sits in the departmental council.
MAYOR_COUNCILLOR_CANTONS = ("4802", "4807", "4812")
PRESIDENT_CANTON = "4809"


@dataclass(frozen=True)
class DemoSyndicate:
    name: str
    purpose: str
    communes: tuple[str, ...] = ()
    epcis: tuple[str, ...] = ()
    # INSEE code of the commune whose maire presides; None: a councillor who is not a maire.
    president_mayor_of: str | None = None
    president_councillor_of: str = ""


GEVAUDAN = "244800470"
LOZERE_CCS = _words(
    "200006930 200069102 200069128 200069136 200069144 200069151 200069185 200069268 244800405 " + GEVAUDAN
)


def demo_syndicates(communes: Sequence[Commune]) -> list[DemoSyndicate]:
    """Four syndicates of different sizes; the SDEE has 50 members like the real one."""
    largest = [c.insee_code for c in sorted(communes, key=lambda c: (-(c.population or 0), c.insee_code))]
    return [
        DemoSyndicate(
            "SDEE de la Lozère",
            "Syndicat départemental d'électricité et d'énergie : réseaux électriques, éclairage public",
            communes=tuple(largest[:40]),
            epcis=tuple(LOZERE_CCS),
            president_mayor_of="48039",
        ),
        # Presided by the maire of Marvejols, who also presides the CC du Gévaudan: three qualities.
        DemoSyndicate(
            "Syndicat intercommunal d'AEP de la Colagne",
            "Production et distribution d'eau potable (AEP)",
            communes=("48092", "48099", "48103", "48107", "48138"),
            president_mayor_of="48092",
        ),
        DemoSyndicate(
            "SIVU scolaire du Valdonnez",
            "Regroupement pédagogique intercommunal et transport scolaire",
            communes=("48147", "48137", "48030"),
            president_councillor_of="48137",
        ),
        DemoSyndicate(
            "SICTOM des Hautes Terres",
            "Collecte et traitement des ordures ménagères",
            epcis=("200069185", "200069144"),
            president_councillor_of="48140",
        ),
    ]


@dataclass(frozen=True)
class AwkwardMayor:
    """A maire whose drawn identity is replaced; `email` None: no email (paper), "": one at example.org."""

    insee: str
    civility: str
    first_name: str
    last_name: str
    email: str | None = ""


# An internationalised domain (accented, sent in its IDNA form); its local part stays ASCII, as the service
# refuses a non-ASCII one at input.
IDN_EMAIL = "secretariat@mairie-lozère.fr"
HOMONYM = ("M.", "Jean", "MARTIN")
# Communes whose drawn maire holds no other mandate (so no gendered label needs rewriting): four in the
# CC du Gévaudan (the concertation of the walkthrough), one homonym in the CC Coeur de Lozère (Mende).
AWKWARD_MAYORS = (
    AwkwardMayor("48005", "Mme", "Sophie", "ROUVIÈRE", IDN_EMAIL),
    AwkwardMayor("48032", "Mme", "Hélène", "D'ESTAING", "helene.d'estaing@example.org"),
    AwkwardMayor("48072", "M.", "Patrick", "O'Neill", None),
    AwkwardMayor("48068", "Mme", "Marie-Thérèse", "de La Rochefoucauld"),
    AwkwardMayor("48124", "Mme", "Anaïs", "BŒUF-SÉGUIN"),
    AwkwardMayor("48165", *HOMONYM),
    AwkwardMayor("48111", *HOMONYM),
)
