"""Contract factories: contracts built through the services, at any stage, and their whole state."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

from concertation.contracts.enums import ContractStage, DiagnosticHeading, SignatoryKind
from concertation.contracts.models import (
    Amendment,
    AmendmentChange,
    Contract,
    ContractDocument,
    ContractEvent,
    ProjectFunding,
    ProjectSheet,
    ProjectStatusChange,
    ReserveGrant,
    Signatory,
    StageChange,
)
from concertation.contracts.origin import Origin
from concertation.contracts.projects import ProjectInput, create_project, set_precheck
from concertation.contracts.services import (
    ContractInput,
    SignatoryInput,
    add_signatory,
    create_contract,
    update_diagnostic,
    update_signatory,
)
from concertation.contracts.stages import change_stage
from concertation.extensions import db

GEVAUDAN = "244800470"
COEUR_DE_LOZERE = "244800405"
MARVEJOLS = "48092"
MONTRODAT = "48103"
MENDE = "48095"
CREATED_ON = date(2025, 9, 1)
# The date each stage is reached by `contract_at`.
STAGE_DATES: dict[ContractStage, date] = {
    ContractStage.PROPOSITIONS: date(2025, 10, 1),
    ContractStage.NEGOCIATION: date(2025, 11, 3),
    ContractStage.SIGNE: date(2025, 12, 15),
    ContractStage.MISE_EN_OEUVRE: date(2026, 1, 5),
    ContractStage.EVALUE: date(2026, 6, 1),
    ContractStage.CLOS: date(2026, 7, 1),
}


def new_contract(
    siren: str = GEVAUDAN, *, envelope: str = "500 000,00", starts_on: date = date(2026, 1, 1)
) -> Contract:
    """A 2026-2028 contract at the diagnostic stage, created on 01/09/2025."""
    return create_contract(
        ContractInput(intercommunality_siren=siren, starts_on=starts_on, envelope=envelope),
        origin=Origin(today=CREATED_ON),
    )


def project_input(**overrides: Any) -> ProjectInput:
    values: dict[str, Any] = {
        "title": "Réfection de la voirie communale",
        "owner": f"commune:{MARVEJOLS}",
        "theme": "voirie",
        "description": "Reprise de 3 km de chaussée.",
        "estimated_cost": "100 000,00",
        "grant_requested": "30 000,00",
        "priority": 1,
        "planned_year": 2026,
        "deliberation_on": date(2025, 10, 20),
        "deliberation_reference": "DCM 2025-42",
    }
    values.update(overrides)
    return ProjectInput(**values)


def new_project(contract: Contract, **overrides: Any) -> ProjectSheet:
    return create_project(contract, project_input(**overrides), origin=Origin(today=date(2025, 11, 1)))


def sign_everyone(
    contract: Contract, *, deliberation_on: date = date(2025, 12, 1), signed_on: date = date(2025, 12, 10)
) -> None:
    """Every owner of a plan project becomes a signatory; every signatory deliberates and signs."""
    present = {s.body_key for s in contract.signatories}
    for project in contract.projects:
        if project.is_in_plan and project.owner_key not in present:
            code = {
                "commune": lambda p: p.owner_commune.insee_code,
                "intercommunality": lambda p: p.owner_intercommunality.siren,
                "syndicate": lambda p: str(p.owner_syndicate_id),
            }[project.owner_kind](project)
            add_signatory(
                contract, SignatoryInput(kind=project.owner_kind, key=f"{project.owner_kind}:{code}")
            )
            present.add(project.owner_key)
    for signatory in contract.signatories:
        update_signatory(
            signatory,
            SignatoryInput(
                deliberation_on=deliberation_on, deliberation_reference="Délib.", signed_on=signed_on
            ),
        )


def prepare(contract: Contract, target: ContractStage) -> None:
    """Meet the conditions for moving the contract to `target`."""
    from concertation.contracts.changes import set_in_plan

    if target is ContractStage.PROPOSITIONS:
        update_diagnostic(contract, {DiagnosticHeading.ENJEUX: "Maintenir les services en milieu rural."})
    elif target is ContractStage.NEGOCIATION:
        siren = contract.intercommunality.siren
        new_project(contract, **({} if siren == GEVAUDAN else {"owner": f"intercommunality:{siren}"}))
    elif target is ContractStage.SIGNE:
        for project in contract.projects:
            set_precheck(project, "conforme", on=date(2025, 11, 20))
            if not project.is_in_plan:
                set_in_plan(project, True, on=date(2025, 11, 25))
        sign_everyone(contract)
    elif target is ContractStage.EVALUE:
        update_diagnostic(contract, {}, evaluation="Objectifs atteints à 80 %.")


def contract_at(stage: ContractStage, **kwargs: Any) -> Contract:
    """A contract brought to `stage` through every real transition."""
    contract = new_contract(**kwargs)
    for target in list(ContractStage)[1 : stage.rank + 1]:
        prepare(contract, target)
        change_stage(contract, target, on=STAGE_DATES[target])
    db.session.flush()
    return contract


def signatory(contract: Contract, kind: SignatoryKind) -> Signatory:
    return next(s for s in contract.signatories if s.kind == kind)


def _rows(model: type[Any], where: Any) -> list[dict[str, Any]]:
    """Every column of the matching rows, read back from the database, ids first."""
    mapper = sa_inspect(model)
    # `updated_at` is a technical stamp that any UPDATE refreshes, even one that restores the values.
    keys = [attr.key for attr in mapper.column_attrs if attr.key != "updated_at"]
    objects = db.session.scalars(select(model).where(where).order_by(model.id))
    return [{key: getattr(obj, key) for key in keys} for obj in objects]


def snapshot(contract: Contract) -> dict[str, Any]:
    """The whole state of the contract (stages, signatories, documents, project sheets with their
    fundings and dated statuses, avenants with their changes, reserve fund), without its history."""
    db.session.flush()
    db.session.expire_all()
    projects = select(ProjectSheet.id).where(ProjectSheet.contract_id == contract.id)
    amendments = select(Amendment.id).where(Amendment.contract_id == contract.id)
    return {
        "contract": _rows(Contract, Contract.id == contract.id),
        "stages": _rows(StageChange, StageChange.contract_id == contract.id),
        "signatories": _rows(Signatory, Signatory.contract_id == contract.id),
        "documents": _rows(ContractDocument, ContractDocument.contract_id == contract.id),
        "projects": _rows(ProjectSheet, ProjectSheet.contract_id == contract.id),
        "fundings": _rows(ProjectFunding, ProjectFunding.project_id.in_(projects)),
        "statuses": _rows(ProjectStatusChange, ProjectStatusChange.project_id.in_(projects)),
        "amendments": _rows(Amendment, Amendment.contract_id == contract.id),
        "amendment_changes": _rows(AmendmentChange, AmendmentChange.amendment_id.in_(amendments)),
        "reserve": _rows(ReserveGrant, ReserveGrant.contract_id == contract.id),
    }


def history_rows(contract: Contract) -> list[dict[str, Any]]:
    """The contract's history, oldest first, every column."""
    db.session.flush()
    return _rows(ContractEvent, ContractEvent.contract_id == contract.id)
