"""/api/v1/contracts: contrats territoriaux, their project sheets, financial plan and history."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import current_app, g, url_for

from concertation.api.auth import ApiBlueprint
from concertation.api.contract_schemas import (
    ContractCreateSchema,
    ContractPatchSchema,
    ContractQuerySchema,
    ContractSchema,
    ContractSummarySchema,
    EventSchema,
    PlanSchema,
    ProjectCreateSchema,
    ProjectSchema,
)
from concertation.api.errors import Refusal, commit_or_abort, found_or_404, invalid
from concertation.contracts import queries, services
from concertation.contracts.enums import ContractStage, DiagnosticHeading, SignatoryKind
from concertation.contracts.exceptions import ContractError, InvalidInput, TransitionRefused
from concertation.contracts.history import timeline
from concertation.contracts.models import Contract, ProjectSheet, Signatory
from concertation.contracts.origin import Origin
from concertation.contracts.plan import financial_plan, plan_history
from concertation.contracts.projects import FundingInput, ProjectInput, create_project
from concertation.contracts.scope import project_owner_key
from concertation.contracts.settings import duration_years, project_rules
from concertation.contracts.stages import change_stage, next_stage

blp = ApiBlueprint(
    "api_contracts", __name__, description="Contrats territoriaux, fiches projets et maquette financière"
)


def _by_caller() -> Origin:
    """The origin of a change made through the API: the caller's account, today, outside any meeting."""
    return Origin(user=g.api_user)


# Fields the contract refuses answer 422, one message a field; what its state forbids answers 409.
INVALID = invalid(InvalidInput)
STAGE_REFUSED = Refusal(TransitionRefused, fields=lambda error: {"json": {"stage": error.problems}})
REFUSED = Refusal(ContractError)


def load(contract_id: int) -> Contract:
    return found_or_404(queries.load_contract(contract_id), f"Aucun contrat n'a l'identifiant {contract_id}.")


def _body(kind: str, code: str | None, name: str) -> dict[str, Any]:
    return {"kind": kind, "code": code, "name": name}


def _signatory_body(signatory: Signatory) -> dict[str, Any]:
    if signatory.commune is not None:
        return _body("commune", signatory.commune.insee_code, signatory.name)
    if signatory.intercommunality is not None:
        return _body("intercommunality", signatory.intercommunality.siren, signatory.name)
    if signatory.syndicate is not None:
        return _body("syndicate", str(signatory.syndicate_id), signatory.name)
    return _body(SignatoryKind.DEPARTEMENT, None, signatory.name)


def summary_item(row: queries.ContractRow) -> dict[str, Any]:
    contract = row.contract
    return {
        "id": contract.id,
        "title": contract.title,
        "intercommunality": _body(
            "intercommunality", contract.intercommunality.siren, contract.intercommunality.name
        ),
        "starts_on": contract.starts_on,
        "ends_on": contract.ends_on,
        "stage": str(contract.stage),
        "stage_label": contract.stage.label,
        "envelope": contract.envelope,
        "plan_grant": row.plan_grant,
        "reserve_total": row.reserve,
        "projects_count": row.projects,
        "is_demo": contract.is_demo,
    }


def contract_item(contract: Contract) -> dict[str, Any]:
    plan = financial_plan(contract)
    upcoming = next_stage(contract)
    row = queries.ContractRow(contract, len(contract.projects), plan.total.grant, plan.reserve_total)
    return {
        **summary_item(row),
        "diagnostic": {heading.value: contract.diagnostic(heading) for heading in DiagnosticHeading},
        "evaluation": contract.evaluation,
        "next_stage": upcoming.value if upcoming else None,
        "stages": [{"stage": s.value, "label": s.label, "on": contract.stage_on(s)} for s in ContractStage],
        "signatories": [
            {
                "body": _signatory_body(s),
                "deliberation_on": s.deliberation_on,
                "deliberation_reference": s.deliberation_reference,
                "signed_on": s.signed_on,
            }
            for s in contract.signatories
        ],
        "documents": contract.documents,
        "amendments": [
            {
                "number": a.number,
                "dated_on": a.dated_on,
                "reason": a.reason,
                "voted_on": a.voted_on,
                "signed_on": a.signed_on,
                "new_envelope": a.new_envelope,
                "changes": [
                    {
                        "kind": str(c.kind),
                        "project_number": c.project.number,
                        "new_cost": c.new_cost,
                        "new_grant": c.new_grant,
                        "old_cost": c.old_cost,
                        "old_grant": c.old_grant,
                    }
                    for c in a.changes
                ],
            }
            for a in contract.amendments
        ],
    }


def project_item(project: ProjectSheet) -> dict[str, Any]:
    kind, _, code = project_owner_key(project).partition(":")
    owner = _body(kind, code, project.owner_name)
    return {
        "id": project.id,
        "number": project.number,
        "title": project.title,
        "owner": owner,
        "theme": str(project.theme),
        "theme_label": project.theme.label,
        "description": project.description,
        "estimated_cost": project.estimated_cost,
        "grant_requested": project.grant_requested,
        "fundings": project.fundings,
        "priority": project.priority,
        "planned_year": project.planned_year,
        "deliberation_on": project.deliberation_on,
        "deliberation_reference": project.deliberation_reference,
        "precheck": str(project.precheck) if project.precheck else None,
        "precheck_reason": project.precheck_reason,
        "status": str(project.status),
        "status_label": project.status.label,
        "is_in_plan": project.is_in_plan,
        "reserve_amount": project.reserve_grant.amount if project.reserve_grant else None,
    }


@blp.route("/contracts")
@blp.arguments(ContractQuerySchema, location="query")
@blp.response(200, ContractSummarySchema(many=True))
def contracts(args: dict[str, Any]) -> list[dict[str, Any]]:
    """Contrats par communauté de communes, avec les totaux de leur plan et du fonds de réserve.

    Filtres : SIREN de la communauté de communes, étape, année (contrats en cours cette année-là).
    """
    filters = queries.ContractFilters(
        siren=args.get("intercommunality", ""), stage=args.get("stage", ""), year=args.get("year")
    )
    return [summary_item(row) for row in queries.list_contracts(filters)]


@blp.route("/contracts", methods=["POST"])
@blp.arguments(ContractCreateSchema)
@blp.response(201, ContractSchema)
def create_contract(data: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Crée un contrat à l'étape du diagnostic (rôle organisateur).

    Durée de trois ans par défaut ; un seul contrat par territoire et période ; le Département et la
    communauté de communes en sont les premiers signataires. Montants : texte (« 12 500,50 ») ou nombre.
    """
    data_in = services.ContractInput(
        intercommunality_siren=data["intercommunality"],
        starts_on=data["starts_on"],
        ends_on=data.get("ends_on"),
        title=data["title"],
        envelope=data["envelope"],
    )
    with commit_or_abort(INVALID):
        created = services.create_contract(
            data_in, origin=_by_caller(), duration_years=duration_years(current_app.config)
        )
    location = url_for("api_contracts.contract", contract_id=created.id)
    return contract_item(load(created.id)), 201, {"Location": location}


@blp.route("/contracts/<int:contract_id>")
@blp.response(200, ContractSchema)
def contract(contract_id: int) -> dict[str, Any]:
    """Un contrat : étapes datées, diagnostic, signataires, documents, avenants."""
    return contract_item(load(contract_id))


@blp.route("/contracts/<int:contract_id>", methods=["PATCH"])
@blp.arguments(ContractPatchSchema)
@blp.response(200, ContractSchema)
@blp.alt_response(409, response="CONFLICT")
def update_contract(data: dict[str, Any], contract_id: int) -> dict[str, Any]:
    """Modifie un contrat (rôle organisateur) ; les champs absents gardent leur valeur.

    « stage » fait passer le contrat à l'étape suivante (date « stage_on », aujourd'hui par défaut) :
    409 avec la liste des conditions manquantes si le passage est refusé. Après la signature, la période
    et l'enveloppe ne changent plus (422). Tout ou rien : en cas d'erreur, rien n'est enregistré.
    """
    contract = load(contract_id)
    origin = _by_caller()
    with commit_or_abort(INVALID, STAGE_REFUSED, REFUSED):
        if {"title", "starts_on", "ends_on", "envelope"} & data.keys():
            services.update_contract(
                contract,
                services.ContractInput(
                    title=data.get("title", ""),
                    starts_on=data.get("starts_on"),
                    ends_on=data.get("ends_on"),
                    envelope=data.get("envelope", contract.envelope),
                ),
                origin=origin,
            )
        if "diagnostic" in data or "evaluation" in data:
            texts = {DiagnosticHeading(key): value for key, value in data.get("diagnostic", {}).items()}
            services.update_diagnostic(contract, texts, evaluation=data.get("evaluation"), origin=origin)
        if "stage" in data:
            change_stage(contract, data["stage"], on=data.get("stage_on"), origin=origin)
    return contract_item(load(contract_id))


@blp.route("/contracts/<int:contract_id>/projects")
@blp.response(200, ProjectSchema(many=True))
def projects(contract_id: int) -> list[dict[str, Any]]:
    """Les fiches projets du contrat, par numéro."""
    return [project_item(project) for project in load(contract_id).projects]


@blp.route("/contracts/<int:contract_id>/projects", methods=["POST"])
@blp.arguments(ProjectCreateSchema)
@blp.response(201, ProjectSchema)
@blp.alt_response(409, response="CONFLICT")
def add_project(data: dict[str, Any], contract_id: int) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Ajoute une fiche projet « proposée » (rôle organisateur).

    422 par champ : maître d'ouvrage hors du territoire du contrat ou non public, thème hors des six du
    règlement, opération de fonctionnement, montant négatif ou illisible, aide au-delà des plafonds.
    409 si le contrat est évalué ou clos.
    """
    contract = load(contract_id)
    project_input = ProjectInput(
        **{**data, "fundings": [FundingInput(f["funder"], f["amount"]) for f in data["fundings"]]}
    )
    with commit_or_abort(INVALID, REFUSED):
        created = create_project(
            contract, project_input, rules=project_rules(current_app.config), origin=_by_caller()
        )
    location = url_for("api_contracts.projects", contract_id=contract_id)
    return project_item(created), 201, {"Location": location}


@blp.route("/contracts/<int:contract_id>/plan")
@blp.response(200, PlanSchema)
def plan(contract_id: int) -> dict[str, Any]:
    """La maquette financière : totaux par thème, priorité, année et maître d'ouvrage, face à l'enveloppe.

    Montants en texte à deux décimales (« 12500.50 ») ; fonds de réserve à part ; plan avant et après
    chaque avenant.
    """
    contract = load(contract_id)
    result = financial_plan(contract)
    _, steps = plan_history(contract)
    return {
        **{
            name: getattr(result, name)
            for name in ("envelope", "total", "by_theme", "by_priority", "by_year")
        },
        "by_owner": result.by_owner,
        "remaining": result.remaining,
        "is_over_envelope": result.is_over_envelope,
        "lines": [{**asdict(line), "theme": line.theme.value} for line in result.lines],
        "reserve_total": result.reserve_total,
        "reserve": result.reserve,
        "amendments": [
            {
                "number": step.amendment.number,
                "is_signed": step.amendment.is_signed,
                "before_grant": step.before.total_grant,
                "after_grant": step.after.total_grant,
                "before_envelope": step.before.envelope,
                "after_envelope": step.after.envelope,
                "before_projects": [line.number for line in step.before.lines],
                "after_projects": [line.number for line in step.after.lines],
            }
            for step in steps
        ],
    }


@blp.route("/contracts/<int:contract_id>/timeline")
@blp.response(200, EventSchema(many=True))
def contract_timeline(contract_id: int) -> list[dict[str, Any]]:
    """L'historique du contrat, du plus récent au plus ancien : qui, quand, quoi, et la réunion éventuelle."""
    contract = load(contract_id)
    return [
        {
            "id": event.id,
            "created_at": event.created_at,
            "kind": event.kind,
            "summary": event.summary,
            "user": event.user.email if event.user else None,
            "project_number": event.project.number if event.project else None,
            "meeting_id": event.meeting_id,
            "details": event.details,
        }
        for event in timeline(contract.id)
    ]
