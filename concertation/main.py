"""Home page and service pages that belong to no domain."""

from __future__ import annotations

from flask import Blueprint, render_template

from concertation.accounts.current import signed_in_user
from concertation.accounts.models import UserRole
from concertation.core.security import reader_required
from concertation.core.timeutils import now_utc, today_paris
from concertation.home import home

bp = Blueprint("main", __name__)


@bp.route("/")
@reader_required
def index() -> str:
    user = signed_in_user()
    organiser = user.has_role(UserRole.ORGANISATEUR)
    page = home(user, organiser=organiser, now=now_utc(), today=today_paris())
    return render_template(
        "index.html", page=page, counts=page.counts, organiser=organiser, today=today_paris()
    )
