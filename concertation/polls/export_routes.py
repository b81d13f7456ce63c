"""The poll grid's downloads (CSV, XLSX) for the organisers; each export is in the audit trail."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort
from sqlalchemy import select
from werkzeug.wrappers import Response

from concertation.accounts import audit
from concertation.core.security import organiser_required
from concertation.core.spreadsheets import CSV_TYPE, XLSX_TYPE
from concertation.extensions import db
from concertation.polls.exports import grid_csv, grid_xlsx
from concertation.polls.grid import Grid, build_grid, load_poll
from concertation.polls.models import Poll

bp = Blueprint("poll_exports", __name__)
# Extension -> the grid's writer, the format's name in the audit trail, the content type.
FORMATS: dict[str, tuple[Callable[[Grid], bytes], str, str]] = {
    "csv": (grid_csv, "CSV", CSV_TYPE),
    "xlsx": (grid_xlsx, "Excel", XLSX_TYPE),
}


def _grid_or_404(meeting_id: int) -> Grid:
    poll_id = db.session.scalar(select(Poll.id).where(Poll.meeting_id == meeting_id))
    poll = load_poll(poll_id) if poll_id is not None else None
    if poll is None:
        abort(404)
    return build_grid(poll)


def _export(meeting_id: int, extension: str) -> Response:
    """The grid as a file, its export recorded in the audit trail under the format's French name."""
    write, label, content_type = FORMATS[extension]
    grid = _grid_or_404(meeting_id)
    return audit.exported_file(
        write(grid),
        f"sondage-reunion-{meeting_id}.{extension}",
        f"sondage de date de la réunion n° {meeting_id} ({label})",
        f"{len(grid.rows)} invité(e)s",
        content_type=content_type,
    )


@bp.route("/reunions/<int:meeting_id>/sondage.csv")
@organiser_required
def csv(meeting_id: int) -> Response:
    return _export(meeting_id, "csv")


@bp.route("/reunions/<int:meeting_id>/sondage.xlsx")
@organiser_required
def xlsx(meeting_id: int) -> Response:
    return _export(meeting_id, "xlsx")
