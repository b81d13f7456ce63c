"""Pages of the territory reference data: communes, intercommunalities, cantons, sectors, syndicates."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from concertation.core.routing import commit_or_flash, form_page
from concertation.core.security import admin_required, reader_required
from concertation.core.timeutils import today_paris
from concertation.extensions import db
from concertation.territory import queries, services
from concertation.territory.exceptions import TerritoryError
from concertation.territory.forms import CommuneFilterForm, ConfirmForm, SectorForm, SyndicateForm
from concertation.territory.models import Canton, Commune, Intercommunality, Sector, Syndicate

bp = Blueprint("territory", __name__, url_prefix="/territoire")


@bp.route("/communes")
@reader_required
def communes() -> str:
    form = CommuneFilterForm(formdata=request.args)
    form.load_choices()
    form.validate()
    filters = queries.CommuneFilters(
        search=(form.q.data or "") if not form.q.errors else "",
        intercommunality_siren=form.cc.data if not form.cc.errors else None,
        canton_code=form.canton.data if not form.canton.errors else None,
        sector_id=form.secteur.data if not form.secteur.errors else None,
    )
    today = today_paris()
    found = queries.communes(filters, today)
    sectors = queries.sectors_by_commune(queries.all_sectors(), today)
    return render_template("territory/communes.html", form=form, communes=found, sectors=sectors, today=today)


@bp.route("/communes/<int:commune_id>")
@reader_required
def commune(commune_id: int) -> str:
    item = db.get_or_404(Commune, commune_id)
    today = today_paris()
    return render_template(
        "territory/commune.html",
        commune=item,
        epci=item.intercommunality_on(today),
        sectors=queries.sectors_by_commune(queries.all_sectors(), today).get(item.id, []),
        syndicates=queries.syndicates_with_member(commune=item),
        today=today,
    )


@bp.route("/intercommunalites")
@reader_required
def intercommunalities() -> str:
    today = today_paris()
    return render_template(
        "territory/intercommunalities.html",
        epcis=queries.all_intercommunalities(),
        today=today,
    )


@bp.route("/intercommunalites/<int:epci_id>")
@reader_required
def intercommunality(epci_id: int) -> str:
    epci = db.get_or_404(Intercommunality, epci_id)
    today = today_paris()
    return render_template(
        "territory/intercommunality.html",
        epci=epci,
        members=epci.communes_on(today),
        sectors=queries.sectors_of_intercommunality(epci),
        syndicates=queries.syndicates_with_member(epci=epci),
        today=today,
    )


@bp.route("/cantons")
@reader_required
def cantons() -> str:
    return render_template("territory/cantons.html", cantons=queries.all_cantons())


@bp.route("/cantons/<int:canton_id>")
@reader_required
def canton(canton_id: int) -> str:
    return render_template("territory/canton.html", canton=db.get_or_404(Canton, canton_id))


@bp.route("/secteurs")
@reader_required
def sectors() -> str:
    return render_template("territory/sectors.html", sectors=queries.all_sectors(), today=today_paris())


@bp.route("/secteurs/<int:sector_id>")
@reader_required
def sector(sector_id: int) -> str:
    item = db.get_or_404(Sector, sector_id)
    return render_template("territory/sector.html", sector=item, communes=item.communes_on(today_paris()))


@bp.route("/secteurs/<int:sector_id>/modifier", methods=["GET", "POST"])
@admin_required
def edit_sector(sector_id: int) -> str | Response | tuple[str, int]:
    item = db.get_or_404(Sector, sector_id)
    form = SectorForm(
        intercommunalities=[e.id for e in item.intercommunalities],
        extra_communes=[c.id for c in item.extra_communes],
    )
    form.load_choices()
    if form.validate_on_submit():
        with commit_or_flash(form=form, invalid=TerritoryError) as outcome:
            services.update_sector(item, form.intercommunalities.data or [], form.extra_communes.data or [])
        if outcome.committed:
            flash(f"Secteur {item.name} enregistré.", "success")
            return redirect(url_for("territory.sector", sector_id=item.id), 303)
    return form_page("territory/edit_sector.html", form, sector=item)


@bp.route("/syndicats")
@reader_required
def syndicates() -> str:
    return render_template("territory/syndicates.html", syndicates=queries.all_syndicates())


@bp.route("/syndicats/<int:syndicate_id>")
@reader_required
def syndicate(syndicate_id: int) -> str:
    return render_template("territory/syndicate.html", syndicate=db.get_or_404(Syndicate, syndicate_id))


def _syndicate_data(form: SyndicateForm) -> services.SyndicateData:
    return services.SyndicateData(
        name=form.name.data or "",
        siren=form.siren.data,
        purpose=form.purpose.data or "",
        commune_ids=tuple(form.communes.data or ()),
        intercommunality_ids=tuple(form.intercommunalities.data or ()),
    )


@bp.route("/syndicats/nouveau", methods=["GET", "POST"])
@admin_required
def create_syndicate() -> str | Response | tuple[str, int]:
    form = SyndicateForm()
    form.load_choices()
    if form.validate_on_submit():
        with commit_or_flash(form=form, invalid=TerritoryError) as outcome:
            item = services.create_syndicate(_syndicate_data(form))
        if outcome.committed:
            flash(f"Syndicat « {item.name} » créé.", "success")
            return redirect(url_for("territory.syndicate", syndicate_id=item.id), 303)
    return form_page("territory/create_syndicate.html", form)


@bp.route("/syndicats/<int:syndicate_id>/modifier", methods=["GET", "POST"])
@admin_required
def edit_syndicate(syndicate_id: int) -> str | Response | tuple[str, int]:
    item = db.get_or_404(Syndicate, syndicate_id)
    form = SyndicateForm(
        obj=item,
        communes=[m.commune_id for m in item.members if m.commune_id is not None],
        intercommunalities=[m.intercommunality_id for m in item.members if m.intercommunality_id is not None],
    )
    form.load_choices()
    if form.validate_on_submit():
        with commit_or_flash(form=form, invalid=TerritoryError) as outcome:
            services.update_syndicate(item, _syndicate_data(form))
        if outcome.committed:
            flash(f"Syndicat « {item.name} » enregistré.", "success")
            return redirect(url_for("territory.syndicate", syndicate_id=item.id), 303)
    return form_page("territory/edit_syndicate.html", form, syndicate=item)


@bp.route("/syndicats/<int:syndicate_id>/supprimer", methods=["GET", "POST"])
@admin_required
def delete_syndicate(syndicate_id: int) -> str | Response:
    item = db.get_or_404(Syndicate, syndicate_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = item.name
        # Contracts refer to syndicates (project owners, signatories); territory cannot know them.
        cited = (
            f"Le syndicat « {name} » est encore cité par un contrat (maître d'ouvrage d'une fiche projet "
            "ou signataire) : il ne peut pas être supprimé."
        )
        with commit_or_flash(conflict=cited) as outcome:
            removed = services.delete_syndicate(item)
            suffix = f" avec {removed} mandat(s)" if removed else ""
            outcome.success = f"Syndicat « {name} » supprimé{suffix}."
        if outcome.refused:
            return redirect(url_for("territory.syndicate", syndicate_id=syndicate_id), 303)
        return redirect(url_for("territory.syndicates"), 303)
    return render_template("territory/delete_syndicate.html", syndicate=item, form=form)
