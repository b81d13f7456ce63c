"""The poll grid's downloads (CSV, XLSX) for the organisers; each export is in the audit trail."""

from __future__ import annotations

from flask import Blueprint, abort
from sqlalchemy import select
from werkzeug.wrappers import Response

from concertation.accounts import audit
from concertation.core.security import organiser_required
from concertation.core.spreadsheets import XLSX_TYPE
from concertation.extensions import db
from concertation.polls.exports import grid_csv, grid_xlsx
from concertation.polls.grid import Grid, build_grid, load_poll
from concertation.polls.models import Poll

bp = Blueprint("poll_exports", __name__)


def _grid_or_404(meeting_id: int) -> Grid:
    poll_id = db.session.scalar(select(Poll.id).where(Poll.meeting_id == meeting_id))
    poll = load_poll(poll_id) if poll_id is not None else None
    if poll is None:
        abort(404)
    return build_grid(poll)


def _target(meeting_id: int, kind: str) -> str:
    return f"sondage de date de la réunion n° {meeting_id} ({kind})"


@bp.route("/reunions/<int:meeting_id>/sondage.csv")
@organiser_required
def csv(meeting_id: int) -> Response:
    grid = _grid_or_404(meeting_id)
    return audit.exported_csv(
        grid_csv(grid),
        f"sondage-reunion-{meeting_id}.csv",
        _target(meeting_id, "CSV"),
        f"{len(grid.rows)} invité(e)s",
    )


@bp.route("/reunions/<int:meeting_id>/sondage.xlsx")
@organiser_required
def xlsx(meeting_id: int) -> Response:
    grid = _grid_or_404(meeting_id)
    return audit.exported_file(
        grid_xlsx(grid),
        f"sondage-reunion-{meeting_id}.xlsx",
        _target(meeting_id, "Excel"),
        f"{len(grid.rows)} invité(e)s",
        content_type=XLSX_TYPE,
    )
