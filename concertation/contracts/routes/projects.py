"""Pages of the fiches projets: creation and edition, the project page, pré-instruction, status, plan."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from concertation.contracts import changes
from concertation.contracts.exceptions import ContractError, InvalidInput
from concertation.contracts.forms import PROJECT_ALIASES, ActionForm, PrecheckForm, ProjectForm, StatusForm
from concertation.contracts.history import meeting_labels, timeline
from concertation.contracts.models import Contract, ProjectSheet
from concertation.contracts.projects import create_project, set_precheck, update_project
from concertation.contracts.routes.common import back, by_me, flash_error, load_or_404, project_or_404, rules
from concertation.contracts.scope import project_owner_key, territory_owners
from concertation.core.routing import commit_or_flash, form_page
from concertation.core.security import organiser_required, reader_required
from concertation.core.timeutils import today_paris


def _to_project(contract: Contract, project: ProjectSheet) -> BaseResponse:
    return redirect(url_for("contracts.project", contract_id=contract.id, project_id=project.id), 303)


@organiser_required
def create_project_page(contract_id: int) -> str | BaseResponse | tuple[str, int]:
    contract = load_or_404(contract_id)
    form = ProjectForm()
    form.fill_choices(contract, territory_owners(contract))
    if form.validate_on_submit():
        with commit_or_flash(
            ContractError, form=form, invalid=InvalidInput, aliases=PROJECT_ALIASES
        ) as outcome:
            project = create_project(contract, form.to_input(), rules=rules(), origin=by_me())
            outcome.success = f"Fiche projet n° {project.number} « {project.title} » enregistrée."
        if outcome.refused:
            return back(contract, "fiches")
        if outcome.committed:
            return _to_project(contract, project)
    return form_page("contracts/project_form.html", form, contract=contract, project=None)


@organiser_required
def edit_project(contract_id: int, project_id: int) -> str | BaseResponse | tuple[str, int]:
    contract = load_or_404(contract_id)
    project = project_or_404(contract, project_id)
    form = ProjectForm()
    form.fill_choices(contract, territory_owners(contract))
    if request.method == "GET":
        form.load(project, project_owner_key(project))
    elif form.validate_on_submit():
        with commit_or_flash(
            ContractError, "Fiche projet modifiée.", form=form, invalid=InvalidInput, aliases=PROJECT_ALIASES
        ) as outcome:
            update_project(project, form.to_input(), rules=rules(), origin=by_me())
        if outcome.committed or outcome.refused:
            return _to_project(contract, project)
    return form_page("contracts/project_form.html", form, contract=contract, project=project)


def _render_project(
    contract: Contract,
    project: ProjectSheet,
    *,
    precheck: PrecheckForm | None = None,
    status: StatusForm | None = None,
) -> str:
    if precheck is None:
        precheck = PrecheckForm(formdata=None)
        precheck.result.data = project.precheck or ""
        precheck.reason.data = project.precheck_reason
        precheck.on.data = project.prechecked_on or today_paris()
    if status is None:
        status = StatusForm(formdata=None)
        status.status.data = project.status
        status.on.data = today_paris()
    context: dict[str, Any] = {
        "contract": contract,
        "project": project,
        "precheck_form": precheck,
        "status_form": status,
        "action": ActionForm(),
        "add_problem": changes.plan_add_problem(project),
        "remove_problem": changes.plan_remove_problem(project),
        "events": timeline(contract.id, project_id=project.id),
    }
    context["meetings"] = meeting_labels(context["events"])
    return render_template("contracts/project.html", **context)


@reader_required
def project(contract_id: int, project_id: int) -> str:
    contract = load_or_404(contract_id)
    return _render_project(contract, project_or_404(contract, project_id))


@organiser_required
def precheck(contract_id: int, project_id: int) -> BaseResponse | tuple[str, int]:
    contract = load_or_404(contract_id)
    project = project_or_404(contract, project_id)
    form = PrecheckForm()
    if form.validate_on_submit():
        with commit_or_flash(
            ContractError, "Pré-instruction enregistrée.", form=form, invalid=InvalidInput
        ) as outcome:
            set_precheck(
                project, form.result.data or "", form.reason.data or "", on=form.on.data, origin=by_me()
            )
        if outcome.committed or outcome.refused:
            return _to_project(contract, project)
    return _render_project(contract, project, precheck=form), 422


@organiser_required
def status(contract_id: int, project_id: int) -> BaseResponse | tuple[str, int]:
    contract = load_or_404(contract_id)
    project = project_or_404(contract, project_id)
    form = StatusForm()
    if form.validate_on_submit():
        # A refusal is shown on the status field, beside the choice it refuses.
        with commit_or_flash(form=form, invalid=ContractError, field="status") as outcome:
            changes.set_status(project, form.status.data or "", on=form.on.data, origin=by_me())
            outcome.success = f"Statut de la fiche : « {project.status.label} »."
        if outcome.committed:
            return _to_project(contract, project)
    return _render_project(contract, project, status=form), 422


@organiser_required
def toggle_plan(contract_id: int, project_id: int) -> BaseResponse:
    """Retain the project in the plan (`action=ajouter`) or take it out (`action=retirer`)."""
    contract = load_or_404(contract_id)
    project = project_or_404(contract, project_id)
    if not ActionForm().validate_on_submit():
        flash_error("Le formulaire a expiré : rechargez la page.")
        return back(contract, "fiches")
    adding = request.form.get("action") == "ajouter"
    where = "retenue dans le" if adding else "retirée du"
    with commit_or_flash(ContractError, f"Fiche n° {project.number} {where} plan d'actions."):
        changes.set_in_plan(project, adding, origin=by_me())
    return back(contract, "fiches")
