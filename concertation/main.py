"""Home page and service pages that belong to no domain."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from concertation.accounts.models import User, UserRole
from concertation.core.security import reader_required
from concertation.core.timeutils import now_utc, today_paris
from concertation.home import home

bp = Blueprint("main", __name__)


@bp.route("/")
@reader_required
def index() -> str:
    user = current_user._get_current_object()
    organiser = current_user.has_role(UserRole.ORGANISATEUR)
    page = home(
        user if isinstance(user, User) else None, organiser=organiser, now=now_utc(), today=today_paris()
    )
    return render_template(
        "index.html", page=page, counts=page.counts, organiser=organiser, today=today_paris()
    )
