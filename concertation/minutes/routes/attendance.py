"""Attendance pages: the attendance of a meeting, people who came uninvited, the printable sheet and
the scans of the signed sheet."""

from __future__ import annotations

import io
from typing import Any

from flask import Response, abort, flash, render_template, request, send_file
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from concertation.accounts.current import signed_in_user
from concertation.core.routing import commit_or_flash
from concertation.core.security import organiser_required, reader_required
from concertation.extensions import db
from concertation.meetings.models import Meeting
from concertation.minutes import attendance
from concertation.minutes.exceptions import InvalidInput, MinutesError
from concertation.minutes.forms import (
    ATTENDANCE_CHOICES,
    ActionForm,
    AttendanceForm,
    OtherForm,
    ScanForm,
)
from concertation.minutes.models import Attendance, AttendanceScan
from concertation.minutes.routes.common import back, expired, load_meeting, scan_settings, submit
from concertation.minutes.scans import add_scan, scan_path
from concertation.minutes.sheet import sheet_pdf


def _scans(meeting: Meeting) -> list[AttendanceScan]:
    return list(
        db.session.scalars(
            select(AttendanceScan).where(AttendanceScan.meeting_id == meeting.id).order_by(AttendanceScan.id)
        )
    )


def _page(
    meeting: Meeting,
    *,
    errors: dict[str, str] | None = None,
    submitted: dict[str, str] | None = None,
    other_form: OtherForm | None = None,
    scan_form: ScanForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    lines = attendance.attendance_lines(meeting)
    context: dict[str, Any] = {
        "meeting": meeting,
        "lines": lines,
        "others": attendance.others(meeting),
        "turnout": attendance.turnout(meeting, lines),
        "is_open": attendance.is_open(meeting),
        "scans": _scans(meeting),
        "choices": ATTENDANCE_CHOICES,
        "errors": errors or {},
        "submitted": submitted,
        "form": AttendanceForm(),
        "other_form": other_form or OtherForm(formdata=None),
        "scan_form": scan_form or ScanForm(formdata=None),
        "action": ActionForm(),
    }
    return render_template("minutes/attendance.html", **context), status


@reader_required
def attendance_page(meeting_id: int) -> tuple[str, int]:
    return _page(load_meeting(meeting_id))


@organiser_required
def record_attendance(meeting_id: int) -> BaseResponse | tuple[str, int]:
    meeting = load_meeting(meeting_id)
    form = AttendanceForm()
    if not form.validate_on_submit():
        return expired(back("minutes.attendance_page", meeting))
    ids = [line.person.id for line in attendance.attendance_lines(meeting)]
    with commit_or_flash(MinutesError, invalid=InvalidInput) as outcome:
        counts = attendance.record_attendance(meeting, form.entries(ids, request.form), user=signed_in_user())
    if isinstance(outcome.error, InvalidInput):
        errors = {key.removeprefix("attendance."): message for key, message in outcome.error.errors.items()}
        return _page(load_meeting(meeting_id), errors=errors, submitted=dict(request.form), status=422)
    if outcome.refused:
        return back("minutes.attendance_page", meeting)
    flash(
        f"Présences enregistrées : {counts.came} présent(s) ou représenté(s) sur {counts.invited}.", "success"
    )
    return back("minutes.attendance_page", meeting)


@organiser_required
def add_other(meeting_id: int) -> BaseResponse | tuple[str, int]:
    meeting = load_meeting(meeting_id)
    form = OtherForm()
    return submit(
        form,
        lambda: attendance.add_other(meeting, form.to_input(), user=signed_in_user()),
        done=lambda row: f"{row.display_name} ajouté(e) aux présents.",
        then=back("minutes.attendance_page", meeting, "autres"),
        again=lambda: _page(load_meeting(meeting_id), other_form=form, status=422),
    )


@organiser_required
def remove_other(meeting_id: int, attendance_id: int) -> BaseResponse:
    meeting = load_meeting(meeting_id)
    row: Attendance = db.first_or_404(select(Attendance).filter_by(id=attendance_id, meeting_id=meeting.id))
    if not ActionForm().validate_on_submit():
        return expired(back("minutes.attendance_page", meeting, "autres"))
    with commit_or_flash(MinutesError, "Personne retirée des présents."):
        attendance.remove_other(row)
    return back("minutes.attendance_page", meeting, "autres")


@reader_required
def sheet(meeting_id: int) -> Response:
    """The printable attendance sheet, prefilled from the invitee list."""
    meeting = load_meeting(meeting_id)
    response = Response(sheet_pdf(meeting), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="emargement-reunion-{meeting.id}.pdf"'
    return response


@organiser_required
def upload_scan(meeting_id: int) -> BaseResponse | tuple[str, int]:
    meeting = load_meeting(meeting_id)
    form = ScanForm()
    if form.validate_on_submit():
        upload = form.file.data
        with commit_or_flash(
            success="Feuille d'émargement signée enregistrée.", form=form, invalid=InvalidInput
        ) as outcome:
            add_scan(
                meeting,
                filename=getattr(upload, "filename", "") or "",
                stream=upload.stream if upload is not None else io.BytesIO(),
                settings=scan_settings(),
                user=signed_in_user(),
            )
        if outcome.committed:
            return back("minutes.attendance_page", meeting, "scans")
    return _page(load_meeting(meeting_id), scan_form=form, status=422)


@organiser_required
def download_scan(meeting_id: int, scan_id: int) -> Response:
    """A signed sheet holds signatures: organisers only."""
    scan = db.get_or_404(AttendanceScan, scan_id)
    path = scan_path(scan_settings(), scan)
    if scan.meeting_id != meeting_id or not path.is_file():
        abort(404)
    return send_file(path, mimetype=scan.content_type, download_name=scan.filename, as_attachment=False)
