"""Demo contracts: one per Lozère CC, at different stages, so that a newcomer sees the whole life cycle.

Everything goes through the services (the same checks as the pages), with dates in the past years
relative to today. Projects and amounts are invented; the contracts are marked `is_demo`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from concertation.contracts.amendments import AmendmentInput, add_change, create_amendment, sign_amendment
from concertation.contracts.changes import set_in_plan, set_status
from concertation.contracts.enums import ContractStage, DiagnosticHeading
from concertation.contracts.models import Contract, ProjectSheet
from concertation.contracts.origin import Origin
from concertation.contracts.projects import FundingInput, ProjectInput, create_project, set_precheck
from concertation.contracts.reserve import ReserveInput, grant_reserve
from concertation.contracts.scope import Owner, territory_owners
from concertation.contracts.services import (
    ContractInput,
    SignatoryInput,
    add_signatory,
    create_contract,
    is_lozere_territory,
    update_diagnostic,
    update_signatory,
)
from concertation.contracts.stages import change_stage
from concertation.core.timeutils import today_paris
from concertation.extensions import db
from concertation.territory.models import Intercommunality


class DemoError(Exception):
    """The demo contracts cannot be built; `str(error)` is for the user."""


# The stage of each CC's contract (CCs by name) and what happened during its implementation: every
# stage appears, one contract has a signed avenant and a reserve grant, another a draft avenant.
STAGE_PLAN: tuple[tuple[ContractStage, str], ...] = (
    (ContractStage.MISE_EN_OEUVRE, "avenant"),
    (ContractStage.NEGOCIATION, ""),
    (ContractStage.SIGNE, ""),
    (ContractStage.EVALUE, "avenant"),
    (ContractStage.DIAGNOSTIC, ""),
    (ContractStage.MISE_EN_OEUVRE, "draft"),
    (ContractStage.PROPOSITIONS, ""),
    (ContractStage.CLOS, ""),
    (ContractStage.MISE_EN_OEUVRE, ""),
    (ContractStage.NEGOCIATION, ""),
)

# title, theme, estimated cost, share of the cost asked of the Département, other funder
CATALOGUE = (
    ("Aménagement du bourg-centre", "cadre_de_vie", "420000.00", "0.25", "Région Occitanie"),
    ("Réfection de la voirie communale", "voirie", "182450.60", "0.30", ""),
    ("Maison de santé pluriprofessionnelle", "services", "948300.00", "0.20", "État (DETR)"),
    ("Renouvellement du réseau d'eau potable", "eau", "311275.40", "0.30", "Agence de l'eau"),
    ("Extension de la zone d'activités", "economie", "560000.00", "0.20", "Région Occitanie"),
    ("Réhabilitation de logements communaux", "urbanisme", "243980.15", "0.25", ""),
    ("Station de traitement des eaux usées", "eau", "718640.00", "0.20", "Agence de l'eau"),
    ("Sentiers de randonnée et signalétique", "economie", "84615.38", "0.40", "Europe (LEADER)"),
    ("Rénovation énergétique de l'école", "services", "379905.20", "0.25", "État (DSIL)"),
    ("Reconstruction d'un pont communal", "voirie", "259870.00", "0.30", ""),
)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Calendar:
    """The dates of a demo contract, from its creation to its closing, all in the past."""

    starts_on: date
    created: date

    def at(self, months: int, day: int = 10) -> date:
        """A date `months` months after the creation."""
        month = self.created.month - 1 + months
        return date(self.created.year + month // 12, month % 12 + 1, day)


def _calendar(stage: ContractStage, year: int) -> Calendar:
    """Contracts not yet signed start next year; signed ones started earlier, the closed one long ago."""
    starts = {
        ContractStage.CLOS: year - 4,
        ContractStage.EVALUE: year - 3,
        ContractStage.MISE_EN_OEUVRE: year - 1,
        ContractStage.SIGNE: year,
    }.get(stage, year + 1)
    return Calendar(starts_on=date(starts, 1, 1), created=date(min(starts - 1, year - 1), 3, 1))


def _input(index: int, owner: Owner, year: int, priority: int) -> ProjectInput:
    title, theme, cost, rate, funder = CATALOGUE[index % len(CATALOGUE)]
    estimated = Decimal(cost)
    grant = (estimated * Decimal(rate)).quantize(CENT)
    fundings = [FundingInput(funder, (estimated * Decimal("0.30")).quantize(CENT))] if funder else []
    return ProjectInput(
        title=f"{title} ({owner.name})" if owner.kind != "intercommunality" else title,
        owner=owner.key,
        theme=theme,
        description="Projet fictif de démonstration.",
        estimated_cost=estimated,
        grant_requested=grant,
        fundings=fundings,
        priority=priority,
        planned_year=year,
        is_investment=True,
    )


def _projects(contract: Contract, count: int, offset: int, calendar: Calendar) -> list[ProjectSheet]:
    owners = territory_owners(contract)
    first_year, last_year = contract.starts_on.year, contract.ends_on.year
    created: list[ProjectSheet] = []
    for n in range(count):
        owner = owners[(n * 3) % len(owners)]
        year = first_year + n % (last_year - first_year + 1)
        data = _input(offset + n, owner, year, priority=1 + n % 3)
        data.deliberation_on = calendar.at(4, 5 + n)
        data.deliberation_reference = f"Délibération {calendar.created.year}-{10 + n}"
        created.append(create_project(contract, data, origin=Origin(today=calendar.at(4, 20))))
    return created


def _diagnostic(contract: Contract, name: str, *, full: bool) -> None:
    texts = {
        DiagnosticHeading.ATOUTS: f"Cadre de vie préservé, vie associative active, nature de {name}.",
        DiagnosticHeading.FAIBLESSES: "Population vieillissante ; offre de soins fragile ; habitat ancien.",
        DiagnosticHeading.DYNAMIQUES: "Jeunes agriculteurs qui s'installent ; tourisme de pleine nature.",
        DiagnosticHeading.ENJEUX: "Maintenir les services de proximité, accueillir de nouveaux habitants, "
        "sécuriser l'eau potable.",
    }
    update_diagnostic(
        contract, texts if full else {DiagnosticHeading.ATOUTS: texts[DiagnosticHeading.ATOUTS]}
    )


def _sign(contract: Contract, calendar: Calendar) -> None:
    """Every owner of a plan project signs, after the Département and the CC."""
    present = {s.body_key for s in contract.signatories}
    for project in contract.projects:
        if project.is_in_plan and project.owner_key not in present:
            owner = next(o for o in territory_owners(contract) if (o.kind.value, o.id) == project.owner_key)
            add_signatory(
                contract,
                SignatoryInput(kind=owner.kind.value, key=owner.key),
                origin=Origin(today=calendar.at(9)),
            )
            present.add(project.owner_key)
    for signatory in contract.signatories:
        update_signatory(
            signatory,
            SignatoryInput(
                deliberation_on=calendar.at(8, 15),
                deliberation_reference=f"Délibération du {calendar.at(8, 15):%d/%m/%Y}",
                signed_on=calendar.at(9, 5),
            ),
            origin=Origin(today=calendar.at(9, 5)),
        )


def build_contract(
    epci: Intercommunality, stage: ContractStage, variant: str = "", *, index: int, year: int
) -> Contract:
    """A contract for the CC brought to `stage` with consistent content."""
    calendar = _calendar(stage, year)
    envelope = Decimal(600000 + 50000 * index)
    contract = create_contract(
        ContractInput(intercommunality_siren=epci.siren, starts_on=calendar.starts_on, envelope=envelope),
        origin=Origin(today=calendar.created),
    )
    contract.is_demo = True
    _diagnostic(contract, epci.name, full=stage is not ContractStage.DIAGNOSTIC)
    steps = list(ContractStage)[1 : ContractStage(stage).rank + 1]
    if not steps:
        return contract
    change_stage(contract, ContractStage.PROPOSITIONS, on=calendar.at(2))
    projects = _projects(contract, 5, index, calendar)
    if ContractStage.NEGOCIATION not in steps:
        return contract
    change_stage(contract, ContractStage.NEGOCIATION, on=calendar.at(5))
    for n, project in enumerate(projects):
        if n == 3 and stage is ContractStage.NEGOCIATION:
            set_precheck(project, "a_completer", "Plan de financement à préciser.", on=calendar.at(6))
        else:
            set_precheck(project, "conforme", on=calendar.at(6))
    for project in projects[:4]:
        if project.precheck == "conforme":
            set_in_plan(project, True, on=calendar.at(7))
    if ContractStage.SIGNE not in steps:
        return contract
    _sign(contract, calendar)
    change_stage(contract, ContractStage.SIGNE, on=calendar.at(9, 20))
    if ContractStage.MISE_EN_OEUVRE not in steps:
        return contract
    implementation = max(contract.starts_on, calendar.at(10))
    change_stage(contract, ContractStage.MISE_EN_OEUVRE, on=implementation)
    _implement(contract, projects, index, implementation, variant)
    if ContractStage.EVALUE not in steps:
        return contract
    evaluated = date(contract.ends_on.year, 11, 15)
    update_diagnostic(
        contract, {}, evaluation="Trois projets sur quatre réalisés ; l'enveloppe est consommée à 85 %."
    )
    change_stage(contract, ContractStage.EVALUE, on=evaluated)
    if ContractStage.CLOS in steps:
        change_stage(contract, ContractStage.CLOS, on=date(evaluated.year, 12, 20))
    return contract


def _implement(
    contract: Contract, projects: list[ProjectSheet], index: int, started: date, variant: str
) -> None:
    """Projects move on; `variant` adds a signed avenant and a reserve grant ("avenant") or a draft one."""
    year = started.year
    for step, status in enumerate(("programmee", "dossier_depose", "aide_attribuee", "realisee")):
        if step < 2 + index % 3:
            set_status(projects[0], status, on=date(year, 3 + step, 1))
    set_status(projects[1], "programmee", on=date(year, 4, 1))
    if variant == "avenant":
        amendment = create_amendment(
            contract, AmendmentInput(dated_on=date(year, 6, 1), reason="Ajout d'un projet")
        )
        add_change(amendment, kind="add", project=projects[4])
        add_change(
            amendment, kind="amount", project=projects[1], new_grant=projects[1].grant_requested + 5000
        )
        sign_amendment(amendment, voted_on=date(year, 6, 20), signed_on=date(year, 7, 1))
        urgent = create_project(
            contract,
            _input(index + 7, territory_owners(contract)[1], year, priority=1),
            origin=Origin(today=date(year, 2, 1)),
        )
        set_precheck(urgent, "conforme", on=date(year, 2, 10))
        grant_reserve(
            urgent,
            ReserveInput(
                amount=(urgent.grant_requested * Decimal("0.8")).quantize(CENT),
                decided_on=date(year, 2, 20),
                decision_body="Commission permanente",
                decision_reference=f"CP {year % 100}-0{index}4",
                urgency_reason="Dégâts causés par les intempéries de l'hiver.",
            ),
            origin=Origin(today=date(year, 2, 20)),
        )
    elif variant == "draft":
        draft = create_amendment(
            contract, AmendmentInput(dated_on=date(year, 9, 1), reason="Retrait d'un projet reporté")
        )
        add_change(draft, kind="remove", project=projects[3])


def lozere_ccs() -> list[Intercommunality]:
    """The CCs of the Lozère (10), by name."""
    on = today_paris()
    epcis = db.session.scalars(select(Intercommunality).order_by(Intercommunality.name))
    return [epci for epci in epcis if is_lozere_territory(epci, on)]


def has_contracts() -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(Contract)))


def load_demo_contracts(today: date | None = None) -> list[Contract]:
    """One demo contract per Lozère CC, at the stages of STAGE_PLAN; the caller commits.

    Needs the territory (`flask territory load`); the syndicates and élus of `flask demo load` are used
    when present but not required.
    """
    ccs = lozere_ccs()
    if not ccs:
        raise DemoError(
            "Aucune communauté de communes : chargez d'abord le référentiel (flask territory load)."
        )
    year = (today or today_paris()).year
    return [
        build_contract(epci, *STAGE_PLAN[i % len(STAGE_PLAN)], index=i, year=year)
        for i, epci in enumerate(ccs)
    ]
