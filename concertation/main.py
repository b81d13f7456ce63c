"""Home page and service pages that belong to no domain."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import func, select

from concertation.core.security import reader_required
from concertation.extensions import db
from concertation.people.models import Person
from concertation.territory.models import Canton, Commune, Intercommunality, Sector, Syndicate

bp = Blueprint("main", __name__)


@bp.route("/")
@reader_required
def index() -> str:
    counts = {
        label: db.session.scalar(select(func.count()).select_from(model)) or 0
        for label, model in (
            ("communes", Commune),
            ("intercommunalités", Intercommunality),
            ("cantons", Canton),
            ("secteurs", Sector),
            ("syndicats", Syndicate),
            ("personnes", Person),
        )
    }
    return render_template("index.html", counts=counts)
