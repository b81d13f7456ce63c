"""Contract pages: list, creation and edition, contract page, diagnostic, stages, signatories, documents,
exports and history. Project sheets are in `projects`, avenants and the reserve fund in `amendments`;
the URLs of all of them are in the package's `__init__`.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from flask import Response, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from werkzeug.wrappers import Response as BaseResponse

from concertation.contracts import queries, services
from concertation.contracts.chart import theme_chart
from concertation.contracts.documents import add_document, delete_document, document_path
from concertation.contracts.enums import ContractStage
from concertation.contracts.exceptions import ContractError, InvalidInput, TransitionRefused
from concertation.contracts.exports import plan_csv, plan_xlsx
from concertation.contracts.forms import (
    ActionForm,
    ContractForm,
    DiagnosticForm,
    DocumentForm,
    SignatoryForm,
    StageForm,
)
from concertation.contracts.history import meeting_labels, timeline
from concertation.contracts.models import Contract
from concertation.contracts.plan import FinancialPlan, financial_plan, plan_history
from concertation.contracts.routes.common import (
    back,
    by_me,
    documents_folder,
    documents_rules,
    flash_error,
    load_or_404,
)
from concertation.contracts.scope import territory_owners
from concertation.contracts.settings import duration_years
from concertation.contracts.stages import change_stage, next_stage, transition_problems
from concertation.core.routing import commit_or_flash, form_page
from concertation.core.security import organiser_required, reader_required
from concertation.core.timeutils import today_paris

TIMELINE_ON_PAGE = 15


@reader_required
def index() -> str:
    filters = queries.ContractFilters.from_args(request.args)
    return render_template(
        "contracts/index.html",
        rows=queries.list_contracts(filters),
        filters=filters,
        intercommunalities=queries.lozere_cc_choices(),
        years=range(today_paris().year - 5, today_paris().year + 4),
    )


@organiser_required
def create() -> str | BaseResponse | tuple[str, int]:
    form = ContractForm()
    form.fill_choices(queries.lozere_cc_choices())
    if request.method == "GET":
        form.intercommunality.data = request.args.get("cc", "")
    elif form.validate_on_submit():
        data = services.ContractInput(
            intercommunality_siren=form.intercommunality.data or "",
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            title=form.title.data or "",
            envelope=form.envelope.data or "0",
        )
        with commit_or_flash(form=form, invalid=InvalidInput) as outcome:
            contract = services.create_contract(
                data, origin=by_me(), duration_years=duration_years(current_app.config)
            )
            outcome.success = f"Contrat « {contract.title} » créé, à l'étape du diagnostic."
        if outcome.committed:
            return redirect(url_for(".detail", contract_id=contract.id), 303)
    return form_page("contracts/form.html", form, contract=None)


@reader_required
def detail(contract_id: int) -> str:
    contract = load_or_404(contract_id)
    plan = financial_plan(contract)
    initial, steps = plan_history(contract)
    events = timeline(contract.id, limit=TIMELINE_ON_PAGE)
    return render_template(
        "contracts/detail.html",
        contract=contract,
        events=events,
        meetings=meeting_labels(events),
        plan=plan,
        chart=theme_chart(plan),
        initial_plan=initial,
        steps=steps,
        next_stage=next_stage(contract),
        action=ActionForm(),
        is_open=contract.stage != ContractStage.CLOS,
    )


@organiser_required
def edit(contract_id: int) -> str | BaseResponse | tuple[str, int]:
    contract = load_or_404(contract_id)
    form = ContractForm()
    if request.method == "GET":
        form.load(contract)
    elif form.validate_on_submit():
        data = services.ContractInput(
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            title=form.title.data or "",
            envelope=form.envelope.data or "0",
        )
        with commit_or_flash(ContractError, "Contrat modifié.", form=form, invalid=InvalidInput) as outcome:
            services.update_contract(contract, data, origin=by_me())
        if outcome.committed or outcome.refused:
            return back(contract)
    return form_page("contracts/form.html", form, contract=contract)


@organiser_required
def diagnostic(contract_id: int) -> str | BaseResponse | tuple[str, int]:
    contract = load_or_404(contract_id)
    form = DiagnosticForm()
    if request.method == "GET":
        form.load(contract)
    elif form.validate_on_submit():
        with commit_or_flash(
            ContractError, "Diagnostic enregistré.", form=form, invalid=InvalidInput
        ) as outcome:
            services.update_diagnostic(
                contract, form.texts(), evaluation=form.evaluation.data or "", origin=by_me()
            )
        if outcome.committed or outcome.refused:
            return back(contract, "diagnostic")
    return form_page("contracts/diagnostic.html", form, contract=contract)


@organiser_required
def stage(contract_id: int) -> str | BaseResponse | tuple[str, int]:
    """The next stage with the conditions still missing; the POST moves the contract to it."""
    contract = load_or_404(contract_id)
    target = next_stage(contract)
    form = StageForm()
    if request.method == "GET":
        form.on.data = today_paris()
        form.target.data = target.value if target else ""
        missing = transition_problems(contract, target, today_paris()) if target else []
        return render_template(
            "contracts/stage.html", form=form, contract=contract, target=target, problems=missing
        )
    problems: list[str] = []
    if form.validate_on_submit():
        with commit_or_flash(invalid=TransitionRefused) as outcome:
            change_stage(contract, form.target.data or "", on=form.on.data, origin=by_me())
            outcome.success = f"Le contrat est passé à l'étape « {contract.stage.label} »."
        if isinstance(outcome.error, TransitionRefused):
            problems = outcome.error.problems
        else:
            return back(contract)
    return (
        render_template(
            "contracts/stage.html",
            form=form,
            contract=contract,
            target=target,
            problems=problems,
            refused=True,
        ),
        422,
    )


@organiser_required
def add_signatory(contract_id: int) -> str | BaseResponse | tuple[str, int]:
    contract = load_or_404(contract_id)
    form = SignatoryForm()
    form.fill_choices(territory_owners(contract))
    if request.method == "POST" and form.validate_on_submit():
        data = services.SignatoryInput(
            kind=(form.body.data or "").partition(":")[0],
            key=form.body.data or "",
            deliberation_on=form.deliberation_on.data,
            deliberation_reference=form.deliberation_reference.data or "",
            signed_on=form.signed_on.data,
        )
        with commit_or_flash(ContractError, "Signataire ajouté.", form=form, invalid=InvalidInput) as outcome:
            services.add_signatory(contract, data, origin=by_me())
        if outcome.committed or outcome.refused:
            return back(contract, "signataires")
    return form_page("contracts/signatory.html", form, contract=contract, signatory=None)


@organiser_required
def edit_signatory(contract_id: int, signatory_id: int) -> str | BaseResponse | tuple[str, int]:
    contract = load_or_404(contract_id)
    signatory = next((s for s in contract.signatories if s.id == signatory_id), None)
    if signatory is None:
        abort(404)
    form = SignatoryForm()
    if request.method == "GET":
        form.deliberation_on.data = signatory.deliberation_on
        form.deliberation_reference.data = signatory.deliberation_reference
        form.signed_on.data = signatory.signed_on
    elif form.validate_on_submit():
        data = services.SignatoryInput(
            deliberation_on=form.deliberation_on.data,
            deliberation_reference=form.deliberation_reference.data or "",
            signed_on=form.signed_on.data,
        )
        with commit_or_flash(ContractError, form=form, invalid=InvalidInput) as outcome:
            services.update_signatory(signatory, data, origin=by_me())
            outcome.success = f"Dates de {signatory.name} enregistrées."
        if outcome.committed or outcome.refused:
            return back(contract, "signataires")
    return form_page("contracts/signatory.html", form, contract=contract, signatory=signatory)


@organiser_required
def remove_signatory(contract_id: int, signatory_id: int) -> BaseResponse:
    contract = load_or_404(contract_id)
    signatory = next((s for s in contract.signatories if s.id == signatory_id), None)
    if signatory is None or not ActionForm().validate_on_submit():
        flash_error("Signataire introuvable ou formulaire expiré : rechargez la page.")
        return back(contract, "signataires")
    with commit_or_flash(ContractError, "Signataire retiré."):
        services.remove_signatory(signatory, origin=by_me())
    return back(contract, "signataires")


@organiser_required
def add_document_page(contract_id: int) -> str | BaseResponse | tuple[str, int]:
    contract = load_or_404(contract_id)
    form = DocumentForm()
    document_rules = documents_rules()
    if form.validate_on_submit():
        upload = request.files.get("file")
        with commit_or_flash(ContractError, "Document ajouté.", form=form, invalid=InvalidInput) as outcome:
            add_document(
                contract,
                title=form.title.data or "",
                filename=(upload.filename or "") if upload else "",
                stream=upload.stream if upload else io.BytesIO(b""),
                folder=documents_folder(),
                rules=document_rules,
                origin=by_me(),
            )
        if outcome.committed or outcome.refused:
            return back(contract, "documents")
    return form_page("contracts/document.html", form, contract=contract, rules=document_rules)


@reader_required
def download_document(contract_id: int, document_id: int) -> Response:
    contract = load_or_404(contract_id)
    document = next((d for d in contract.documents if d.id == document_id), None)
    path = document_path(documents_folder(), document) if document else None
    if document is None or path is None or not path.is_file():
        abort(404)
    # A download, never rendered inside our origin; nosniff is set on every response (core.headers).
    return send_file(
        path, mimetype=document.content_type, as_attachment=True, download_name=document.filename
    )


@organiser_required
def remove_document(contract_id: int, document_id: int) -> BaseResponse:
    contract = load_or_404(contract_id)
    document = next((d for d in contract.documents if d.id == document_id), None)
    if document is None or not ActionForm().validate_on_submit():
        flash_error("Document introuvable ou formulaire expiré : rechargez la page.")
        return back(contract, "documents")
    with commit_or_flash(ContractError) as outcome:
        path = delete_document(document, documents_folder(), origin=by_me())
    if outcome.committed:
        path.unlink(missing_ok=True)
        flash("Document retiré.", "success")
    return back(contract, "documents")


# The financial plan's downloads: extension -> (writer, content type).
EXPORTS: dict[str, tuple[Callable[[Contract, FinancialPlan], bytes], str]] = {
    "csv": (plan_csv, "text/csv"),
    "xlsx": (plan_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def _export(contract_id: int, extension: str) -> Response:
    contract = load_or_404(contract_id)
    write, mimetype = EXPORTS[extension]
    filename = f"maquette-financiere-contrat-{contract.id}.{extension}"
    return Response(
        write(contract, financial_plan(contract)),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@reader_required
def export_csv(contract_id: int) -> Response:
    return _export(contract_id, "csv")


@reader_required
def export_xlsx(contract_id: int) -> Response:
    return _export(contract_id, "xlsx")


@reader_required
def history(contract_id: int) -> str:
    contract = load_or_404(contract_id)
    events = timeline(contract.id)
    return render_template(
        "contracts/history.html", contract=contract, events=events, meetings=meeting_labels(events)
    )
