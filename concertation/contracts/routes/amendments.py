"""Pages of the avenants (changes, signature, the plan before and after) and of the reserve fund."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from concertation.contracts import amendments
from concertation.contracts.exceptions import ContractError, InvalidInput
from concertation.contracts.forms import (
    ActionForm,
    AmendmentChangeForm,
    AmendmentForm,
    AmendmentSignForm,
    ReserveForm,
)
from concertation.contracts.models import Amendment, Contract
from concertation.contracts.plan import plan_history
from concertation.contracts.reserve import ReserveInput, grant_reserve
from concertation.contracts.routes.common import back, by_me, flash_error, load_or_404, project_or_404, rules
from concertation.core.routing import commit_or_flash, form_page
from concertation.core.security import organiser_required, reader_required
from concertation.core.timeutils import today_paris


def _amendment_or_404(contract: Contract, amendment_id: int) -> Amendment:
    amendment = next((a for a in contract.amendments if a.id == amendment_id), None)
    if amendment is None:
        abort(404)
    return amendment


def _to_amendment(contract: Contract, amendment: Amendment) -> BaseResponse:
    return redirect(url_for("contracts.amendment", contract_id=contract.id, amendment_id=amendment.id), 303)


@organiser_required
def create_amendment(contract_id: int) -> str | BaseResponse | tuple[str, int]:
    contract = load_or_404(contract_id)
    form = AmendmentForm()
    if request.method == "GET":
        form.dated_on.data = today_paris()
    elif form.validate_on_submit():
        data = amendments.AmendmentInput(
            dated_on=form.dated_on.data,
            reason=form.reason.data or "",
            new_envelope=form.new_envelope.data or None,
        )
        with commit_or_flash(ContractError, form=form, invalid=InvalidInput) as outcome:
            amendment = amendments.create_amendment(contract, data, origin=by_me())
            outcome.success = f"Avenant n° {amendment.number} ouvert : ajoutez ses modifications du plan."
        if outcome.refused:
            return back(contract, "avenants")
        if outcome.committed:
            return _to_amendment(contract, amendment)
    return form_page("contracts/amendment_form.html", form, contract=contract)


def _render(
    contract: Contract,
    amendment: Amendment,
    *,
    change_form: AmendmentChangeForm | None = None,
    sign_form: AmendmentSignForm | None = None,
) -> str:
    change_form = change_form or AmendmentChangeForm(formdata=None)
    change_form.fill_choices(p for p in contract.projects if p.status != "abandonnee")
    if sign_form is None:
        sign_form = AmendmentSignForm(formdata=None)
        sign_form.voted_on.data = amendment.voted_on
        sign_form.signed_on.data = amendment.signed_on
    _, steps = plan_history(contract)
    step = next((s for s in steps if s.amendment.id == amendment.id), None)
    context: dict[str, Any] = {
        "contract": contract,
        "amendment": amendment,
        "step": step,
        "change_form": change_form,
        "sign_form": sign_form,
        "action": ActionForm(),
    }
    return render_template("contracts/amendment.html", **context)


@reader_required
def amendment(contract_id: int, amendment_id: int) -> str:
    contract = load_or_404(contract_id)
    return _render(contract, _amendment_or_404(contract, amendment_id))


@organiser_required
def add_amendment_change(contract_id: int, amendment_id: int) -> BaseResponse | tuple[str, int]:
    contract = load_or_404(contract_id)
    amendment = _amendment_or_404(contract, amendment_id)
    form = AmendmentChangeForm()
    if form.validate_on_submit():
        raw = form.project.data or ""
        project = next((p for p in contract.projects if str(p.id) == raw), None)
        if project is None:
            form.project.errors = ["Choisissez une fiche projet du contrat."]
        else:
            with commit_or_flash(
                ContractError, "Modification ajoutée à l'avenant.", form=form, invalid=InvalidInput
            ) as outcome:
                amendments.add_change(
                    amendment,
                    kind=form.kind.data or "",
                    project=project,
                    new_cost=form.new_cost.data or None,
                    new_grant=form.new_grant.data or None,
                    rules=rules(),
                    origin=by_me(),
                )
            if outcome.committed or outcome.refused:
                return _to_amendment(contract, amendment)
    return _render(contract, amendment, change_form=form), 422


@organiser_required
def remove_amendment_change(contract_id: int, amendment_id: int, change_id: int) -> BaseResponse:
    contract = load_or_404(contract_id)
    amendment = _amendment_or_404(contract, amendment_id)
    change = next((c for c in amendment.changes if c.id == change_id), None)
    if change is None or not ActionForm().validate_on_submit():
        flash_error("Modification introuvable ou formulaire expiré : rechargez la page.")
        return _to_amendment(contract, amendment)
    with commit_or_flash(ContractError, "Modification retirée de l'avenant."):
        amendments.remove_change(change, origin=by_me())
    return _to_amendment(contract, amendment)


@organiser_required
def sign_amendment(contract_id: int, amendment_id: int) -> BaseResponse | tuple[str, int]:
    contract = load_or_404(contract_id)
    amendment = _amendment_or_404(contract, amendment_id)
    form = AmendmentSignForm()
    if form.validate_on_submit():
        with commit_or_flash(ContractError, form=form, invalid=InvalidInput) as outcome:
            amendments.sign_amendment(
                amendment, voted_on=form.voted_on.data, signed_on=form.signed_on.data, origin=by_me()
            )
            outcome.success = f"Avenant n° {amendment.number} signé : le plan d'actions est modifié."
        if outcome.committed or outcome.refused:
            return _to_amendment(contract, amendment)
    return _render(contract, amendment, sign_form=form), 422


@organiser_required
def delete_amendment(contract_id: int, amendment_id: int) -> BaseResponse:
    contract = load_or_404(contract_id)
    amendment = _amendment_or_404(contract, amendment_id)
    if not ActionForm().validate_on_submit():
        flash_error("Le formulaire a expiré : rechargez la page.")
        return _to_amendment(contract, amendment)
    with commit_or_flash(ContractError, "Avenant abandonné.") as outcome:
        amendments.delete_amendment(amendment, origin=by_me())
    if outcome.refused:
        return _to_amendment(contract, amendment)
    return back(contract, "avenants")


@organiser_required
def reserve_grant(contract_id: int) -> str | BaseResponse | tuple[str, int]:
    contract = load_or_404(contract_id)
    form = ReserveForm()
    form.fill_choices(p for p in contract.projects if not p.is_in_plan and p.reserve_grant is None)
    if request.method == "GET":
        form.project.data = request.args.get("projet", "")
        form.decided_on.data = today_paris()
    elif form.validate_on_submit():
        raw = form.project.data or ""
        project = next((p for p in contract.projects if str(p.id) == raw), None)
        if project is None:
            form.project.errors = ["Choisissez une fiche projet du contrat (créez-la d'abord si besoin)."]
        else:
            data = ReserveInput(
                amount=form.amount.data or "",
                decided_on=form.decided_on.data,
                decision_body=form.decision_body.data or "",
                decision_reference=form.decision_reference.data or "",
                urgency_reason=form.urgency_reason.data or "",
            )
            with commit_or_flash(
                ContractError, "Aide du fonds de réserve enregistrée.", form=form, invalid=InvalidInput
            ) as outcome:
                grant_reserve(project_or_404(contract, project.id), data, rules=rules(), origin=by_me())
            if outcome.committed or outcome.refused:
                return back(contract, "reserve")
    return form_page("contracts/reserve_form.html", form, contract=contract)
