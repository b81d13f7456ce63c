"""Organiser pages about emails: the messages captured by the development SMTP catcher."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template, send_file

from concertation.core.security import organiser_required
from concertation.notifications import mailbox

bp = Blueprint("notifications", __name__, url_prefix="/courriels")

# The HTML of a captured mail is shown in a sandboxed iframe; this policy (inherited by srcdoc frames)
# also keeps it from loading remote images or styles, i.e. from calling trackers.
MESSAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"
)


def _directory() -> Path:
    directory = mailbox.catcher_directory(current_app.config.get("MAIL_CATCHER_DIR"))
    if directory is None:
        abort(404)
    return directory


# Endpoint `notifications.mailbox`: the menu links to it.
@bp.route("/", endpoint="mailbox")
@organiser_required
def index() -> str:
    directory = mailbox.catcher_directory(current_app.config.get("MAIL_CATCHER_DIR"))
    messages = mailbox.list_messages(directory) if directory is not None else []
    total = len(mailbox.message_names(directory)) if directory is not None else 0
    return render_template(
        "notifications/mailbox.html",
        directory=directory,
        messages=messages,
        total=total,
        mail_server=current_app.config.get("MAIL_SERVER"),
        mail_port=current_app.config.get("MAIL_PORT"),
    )


@bp.route("/<name>")
@organiser_required
def message(name: str) -> Response:
    try:
        mail = mailbox.read_message(_directory(), name)
    except mailbox.MessageNotFound:
        abort(404)
    response = Response(render_template("notifications/message.html", mail=mail))
    response.headers["Content-Security-Policy"] = MESSAGE_CSP
    return response


@bp.route("/<name>/brut")
@organiser_required
def raw(name: str) -> Response:
    try:
        path = mailbox.raw_message(_directory(), name)
    except mailbox.MessageNotFound:
        abort(404)
    return send_file(path, mimetype="message/rfc822", as_attachment=True, download_name=name)


@bp.route("/<name>/pieces/<int:index>")
@organiser_required
def attachment(name: str, index: int) -> Response:
    try:
        filename, content_type, data = mailbox.read_attachment(_directory(), name, index)
    except mailbox.MessageNotFound:
        abort(404)
    # Always a download, never rendered by the browser inside our origin.
    response = send_file(BytesIO(data), mimetype=content_type, as_attachment=True, download_name=filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
