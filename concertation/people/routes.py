"""Pages of the élus directory: search, export, persons and their mandates."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from concertation.accounts import audit
from concertation.core.routing import commit_or_flash, form_page
from concertation.core.security import organiser_required, reader_required
from concertation.core.timeutils import today_paris
from concertation.extensions import db
from concertation.people import panels, services
from concertation.people.forms import DirectoryFilterForm, EndMandateForm, MandateForm, PersonForm
from concertation.people.models import ROLE_BODY, Mandate, Person
from concertation.people.validation import PersonError
from concertation.territory.forms import ConfirmForm

bp = Blueprint("people", __name__, url_prefix="/elus")
# The territory pages show their élus through these (territory cannot import people).
for _panel in (panels.body_mandates, panels.body_heads, panels.body_mandate_count):
    bp.add_app_template_global(_panel)


def _filter_form() -> DirectoryFilterForm:
    form = DirectoryFilterForm(formdata=request.args)
    form.load_choices()
    return form


@bp.route("/")
@reader_required
def index() -> str:
    form = _filter_form()
    filters = form.filters()
    today = today_paris()
    page = services.directory_page(filters, today, request.args.get("page", 1, type=int) or 1)
    rows = [(person, services.listed_mandates(person, filters, today)) for person in page.items]
    export_args = {key: value for key, value in request.args.items() if key != "page"}
    return render_template(
        "people/index.html", form=form, page=page, rows=rows, today=today, export_args=export_args
    )


@bp.route("/export.csv")
@reader_required
def export() -> Response:
    filters = _filter_form().filters()
    today = today_paris()
    persons = services.directory_persons(filters, today)
    body = services.directory_csv(persons, filters, today)
    return audit.exported_csv(
        body, f"elus-{today:%Y-%m-%d}.csv", "annuaire des élus (CSV)", f"{len(persons)} personne(s)"
    )


@bp.route("/nouveau", methods=["GET", "POST"])
@organiser_required
def create() -> str | Response | tuple[str, int]:
    form = PersonForm()
    if form.validate_on_submit():
        with commit_or_flash(form=form, invalid=PersonError) as outcome:
            person = services.create_person(form.data_for_service())
        if outcome.committed:
            flash(f"{person.display_name} ajouté(e) à l'annuaire.", "success")
            return redirect(url_for("people.detail", person_id=person.id), 303)
    return form_page("people/create.html", form)


def _render_detail(
    person: Person,
    mandate_form: MandateForm | None = None,
    end_forms: dict[int, EndMandateForm] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    if mandate_form is None:
        mandate_form = MandateForm(formdata=None)
        mandate_form.load_choices()
    forms = {
        m.id: EndMandateForm(formdata=None, prefix=f"fin{m.id}") for m in person.mandates if m.ends_on is None
    }
    forms.update(end_forms or {})
    page = render_template(
        "people/detail.html",
        person=person,
        mandate_form=mandate_form,
        end_forms=forms,
        role_body={role.value: kind for role, kind in ROLE_BODY.items()},
        today=today_paris(),
    )
    return page, status


@bp.route("/<int:person_id>")
@reader_required
def detail(person_id: int) -> tuple[str, int]:
    return _render_detail(db.get_or_404(Person, person_id))


@bp.route("/<int:person_id>/modifier", methods=["GET", "POST"])
@organiser_required
def edit(person_id: int) -> str | Response | tuple[str, int]:
    person = db.get_or_404(Person, person_id)
    form = PersonForm(obj=person)
    if form.validate_on_submit():
        with commit_or_flash(form=form, invalid=PersonError) as outcome:
            services.update_person(person, form.data_for_service())
        if outcome.committed:
            flash(f"Fiche de {person.display_name} enregistrée.", "success")
            return redirect(url_for("people.detail", person_id=person.id), 303)
    return form_page("people/edit.html", form, person=person)


@bp.route("/<int:person_id>/mandats", methods=["POST"])
@organiser_required
def add_mandate(person_id: int) -> Response | tuple[str, int]:
    person = db.get_or_404(Person, person_id)
    form = MandateForm()
    form.load_choices()
    if form.validate_on_submit():
        with commit_or_flash(form=form, invalid=PersonError) as outcome:
            mandate = services.add_mandate(person, form.data_for_service())
        if outcome.committed:
            flash(f"Mandat ajouté : {mandate.quality}.", "success")
            return redirect(url_for("people.detail", person_id=person.id), 303)
    return _render_detail(person, mandate_form=form, status=422)


@bp.route("/mandats/<int:mandate_id>/fin", methods=["POST"])
@organiser_required
def end_mandate(mandate_id: int) -> Response | tuple[str, int]:
    mandate = db.get_or_404(Mandate, mandate_id)
    form = EndMandateForm(prefix=f"fin{mandate.id}")
    if form.validate_on_submit() and form.ends_on.data is not None:
        with commit_or_flash(form=form, invalid=PersonError) as outcome:
            services.end_mandate(mandate, form.ends_on.data)
        if outcome.committed:
            flash(f"Mandat terminé : {mandate.quality}.", "success")
            return redirect(url_for("people.detail", person_id=mandate.person_id), 303)
    person = db.get_or_404(Person, mandate.person_id)
    return _render_detail(person, end_forms={mandate.id: form}, status=422)


@bp.route("/mandats/<int:mandate_id>/supprimer", methods=["POST"])
@organiser_required
def delete_mandate(mandate_id: int) -> Response:
    mandate = db.get_or_404(Mandate, mandate_id)
    person_id, quality = mandate.person_id, mandate.quality
    if ConfirmForm().validate_on_submit():
        services.delete_mandate(mandate)
        db.session.commit()
        flash(f"Mandat supprimé : {quality}.", "success")
    return redirect(url_for("people.detail", person_id=person_id), 303)
