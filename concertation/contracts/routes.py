"""Contract pages: list, creation and edition, contract page, diagnostic, stages, signatories, documents,
exports and history. Project sheets are in project_routes, avenants and the reserve fund in
amendment_routes; all share the blueprint of `blueprint`.
"""

from __future__ import annotations

import io

from flask import Response, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from werkzeug.wrappers import Response as BaseResponse

from concertation.contracts import amendment_routes, project_routes, queries, services
from concertation.contracts.blueprint import (
    back,
    bp,
    documents_folder,
    documents_rules,
    flash_error,
    load_or_404,
    me,
)
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
    show_errors,
)
from concertation.contracts.history import meeting_labels, timeline
from concertation.contracts.models import Contract
from concertation.contracts.plan import financial_plan, plan_history
from concertation.contracts.scope import territory_owners
from concertation.contracts.settings import duration_years
from concertation.contracts.stages import change_stage, next_stage, transition_problems
from concertation.core.security import organiser_required, reader_required
from concertation.core.timeutils import today_paris
from concertation.extensions import db

__all__ = ["amendment_routes", "bp", "project_routes"]

TIMELINE_ON_PAGE = 15


@bp.route("/")
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


@bp.route("/nouveau", methods=["GET", "POST"])
@organiser_required
def create() -> str | BaseResponse | tuple[str, int]:
    form = ContractForm()
    form.fill_choices(queries.lozere_cc_choices())
    if request.method == "GET":
        form.intercommunality.data = request.args.get("cc", "")
        return render_template("contracts/form.html", form=form, contract=None)
    if form.validate_on_submit():
        data = services.ContractInput(
            intercommunality_siren=form.intercommunality.data or "",
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            title=form.title.data or "",
            envelope=form.envelope.data or "0",
        )
        try:
            contract = services.create_contract(
                data, user=me(), duration_years=duration_years(current_app.config)
            )
        except InvalidInput as error:
            db.session.rollback()
            show_errors(form, error.errors)
        else:
            db.session.commit()
            flash(f"Contrat « {contract.title} » créé, à l'étape du diagnostic.", "success")
            return redirect(url_for(".detail", contract_id=contract.id), 303)
    return render_template("contracts/form.html", form=form, contract=None), 422


@bp.route("/<int:contract_id>")
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


@bp.route("/<int:contract_id>/modifier", methods=["GET", "POST"])
@organiser_required
def edit(contract_id: int) -> str | BaseResponse | tuple[str, int]:
    contract = load_or_404(contract_id)
    form = ContractForm()
    if request.method == "GET":
        form.load(contract)
        return render_template("contracts/form.html", form=form, contract=contract)
    if form.validate_on_submit():
        data = services.ContractInput(
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            title=form.title.data or "",
            envelope=form.envelope.data or "0",
        )
        try:
            services.update_contract(contract, data, user=me())
        except InvalidInput as error:
            db.session.rollback()
            show_errors(form, error.errors)
        except ContractError as error:
            db.session.rollback()
            flash_error(str(error))
            return back(contract)
        else:
            db.session.commit()
            flash("Contrat modifié.", "success")
            return back(contract)
    return render_template("contracts/form.html", form=form, contract=contract), 422


@bp.route("/<int:contract_id>/diagnostic", methods=["GET", "POST"])
@organiser_required
def diagnostic(contract_id: int) -> str | BaseResponse | tuple[str, int]:
    contract = load_or_404(contract_id)
    form = DiagnosticForm()
    if request.method == "GET":
        form.load(contract)
        return render_template("contracts/diagnostic.html", form=form, contract=contract)
    if form.validate_on_submit():
        try:
            services.update_diagnostic(
                contract, form.texts(), evaluation=form.evaluation.data or "", user=me()
            )
        except InvalidInput as error:
            db.session.rollback()
            show_errors(form, error.errors)
        except ContractError as error:
            db.session.rollback()
            flash_error(str(error))
            return back(contract, "diagnostic")
        else:
            db.session.commit()
            flash("Diagnostic enregistré.", "success")
            return back(contract, "diagnostic")
    return render_template("contracts/diagnostic.html", form=form, contract=contract), 422


@bp.route("/<int:contract_id>/etape", methods=["GET", "POST"])
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
        try:
            change_stage(contract, form.target.data or "", on=form.on.data, user=me())
        except TransitionRefused as error:
            db.session.rollback()
            problems = error.problems
        else:
            db.session.commit()
            flash(f"Le contrat est passé à l'étape « {contract.stage_label} ».", "success")
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


@bp.route("/<int:contract_id>/signataires/nouveau", methods=["GET", "POST"])
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
        try:
            services.add_signatory(contract, data, user=me())
        except InvalidInput as error:
            db.session.rollback()
            show_errors(form, error.errors)
        except ContractError as error:
            db.session.rollback()
            flash_error(str(error))
            return back(contract, "signataires")
        else:
            db.session.commit()
            flash("Signataire ajouté.", "success")
            return back(contract, "signataires")
    elif request.method == "GET":
        return render_template("contracts/signatory.html", form=form, contract=contract, signatory=None)
    return render_template("contracts/signatory.html", form=form, contract=contract, signatory=None), 422


@bp.route("/<int:contract_id>/signataires/<int:signatory_id>", methods=["GET", "POST"])
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
        return render_template("contracts/signatory.html", form=form, contract=contract, signatory=signatory)
    if form.validate_on_submit():
        data = services.SignatoryInput(
            deliberation_on=form.deliberation_on.data,
            deliberation_reference=form.deliberation_reference.data or "",
            signed_on=form.signed_on.data,
        )
        try:
            services.update_signatory(signatory, data, user=me())
        except InvalidInput as error:
            db.session.rollback()
            show_errors(form, error.errors)
        except ContractError as error:
            db.session.rollback()
            flash_error(str(error))
            return back(contract, "signataires")
        else:
            db.session.commit()
            flash(f"Dates de {signatory.name} enregistrées.", "success")
            return back(contract, "signataires")
    return render_template("contracts/signatory.html", form=form, contract=contract, signatory=signatory), 422


@bp.route("/<int:contract_id>/signataires/<int:signatory_id>/retrait", methods=["POST"])
@organiser_required
def remove_signatory(contract_id: int, signatory_id: int) -> BaseResponse:
    contract = load_or_404(contract_id)
    signatory = next((s for s in contract.signatories if s.id == signatory_id), None)
    if signatory is None or not ActionForm().validate_on_submit():
        flash_error("Signataire introuvable ou formulaire expiré : rechargez la page.")
        return back(contract, "signataires")
    try:
        services.remove_signatory(signatory, user=me())
    except ContractError as error:
        db.session.rollback()
        flash_error(str(error))
    else:
        db.session.commit()
        flash("Signataire retiré.", "success")
    return back(contract, "signataires")


@bp.route("/<int:contract_id>/documents/nouveau", methods=["GET", "POST"])
@organiser_required
def add_document_page(contract_id: int) -> str | BaseResponse | tuple[str, int]:
    contract = load_or_404(contract_id)
    form = DocumentForm()
    document_rules = documents_rules()
    if request.method == "GET":
        return render_template("contracts/document.html", form=form, contract=contract, rules=document_rules)
    if form.validate_on_submit():
        upload = request.files.get("file")
        try:
            add_document(
                contract,
                title=form.title.data or "",
                filename=(upload.filename or "") if upload else "",
                stream=upload.stream if upload else io.BytesIO(b""),
                folder=documents_folder(),
                rules=document_rules,
                user=me(),
            )
        except InvalidInput as error:
            db.session.rollback()
            show_errors(form, error.errors)
        except ContractError as error:
            db.session.rollback()
            flash_error(str(error))
            return back(contract, "documents")
        else:
            db.session.commit()
            flash("Document ajouté.", "success")
            return back(contract, "documents")
    return render_template("contracts/document.html", form=form, contract=contract, rules=document_rules), 422


@bp.route("/<int:contract_id>/documents/<int:document_id>")
@reader_required
def download_document(contract_id: int, document_id: int) -> Response:
    contract = load_or_404(contract_id)
    document = next((d for d in contract.documents if d.id == document_id), None)
    path = document_path(documents_folder(), document) if document else None
    if document is None or path is None or not path.is_file():
        abort(404)
    response = send_file(
        path, mimetype=document.content_type, as_attachment=True, download_name=document.filename
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/<int:contract_id>/documents/<int:document_id>/suppression", methods=["POST"])
@organiser_required
def remove_document(contract_id: int, document_id: int) -> BaseResponse:
    contract = load_or_404(contract_id)
    document = next((d for d in contract.documents if d.id == document_id), None)
    if document is None or not ActionForm().validate_on_submit():
        flash_error("Document introuvable ou formulaire expiré : rechargez la page.")
        return back(contract, "documents")
    try:
        path = delete_document(document, documents_folder(), user=me())
    except ContractError as error:
        db.session.rollback()
        flash_error(str(error))
        return back(contract, "documents")
    db.session.commit()
    path.unlink(missing_ok=True)
    flash("Document retiré.", "success")
    return back(contract, "documents")


def _export_name(contract: Contract, extension: str) -> str:
    return f"maquette-financiere-contrat-{contract.id}.{extension}"


@bp.route("/<int:contract_id>/maquette.csv")
@reader_required
def export_csv(contract_id: int) -> Response:
    contract = load_or_404(contract_id)
    return Response(
        plan_csv(contract, financial_plan(contract)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_export_name(contract, "csv")}"'},
    )


@bp.route("/<int:contract_id>/maquette.xlsx")
@reader_required
def export_xlsx(contract_id: int) -> Response:
    contract = load_or_404(contract_id)
    return Response(
        plan_xlsx(contract, financial_plan(contract)),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{_export_name(contract, "xlsx")}"'},
    )


@bp.route("/<int:contract_id>/historique")
@reader_required
def history(contract_id: int) -> str:
    contract = load_or_404(contract_id)
    events = timeline(contract.id)
    return render_template(
        "contracts/history.html", contract=contract, events=events, meetings=meeting_labels(events)
    )
