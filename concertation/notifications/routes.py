"""Organiser pages about emails: the messages captured by the development SMTP catcher."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from flask import Blueprint, Response, abort, current_app, render_template, send_file

from concertation.core.security import organiser_required
from concertation.notifications import mailbox

P = ParamSpec("P")
T = TypeVar("T")

bp = Blueprint("notifications", __name__, url_prefix="/courriels")

# The HTML of a captured mail is shown in a sandboxed iframe; this policy (inherited by srcdoc frames)
# also keeps it from loading remote images or styles, i.e. from calling trackers.
MESSAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"
)


def _found(read: Callable[Concatenate[Path, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`read` from the catcher's directory what the URL names; 404 without a catcher or such a message."""
    directory = mailbox.catcher_directory(current_app.config.get("MAIL_CATCHER_DIR"))
    if directory is None:
        abort(404)
    try:
        return read(directory, *args, **kwargs)
    except mailbox.MessageNotFound:
        abort(404)


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
    mail = _found(mailbox.read_message, name)
    response = Response(render_template("notifications/message.html", mail=mail))
    response.headers["Content-Security-Policy"] = MESSAGE_CSP
    return response


@bp.route("/<name>/brut")
@organiser_required
def raw(name: str) -> Response:
    path = _found(mailbox.raw_message, name)
    return send_file(path, mimetype="message/rfc822", as_attachment=True, download_name=name)


@bp.route("/<name>/pieces/<int:index>")
@organiser_required
def attachment(name: str, index: int) -> Response:
    filename, content_type, data = _found(mailbox.read_attachment, name, index)
    # Always a download, never rendered by the browser inside our origin.
    # X-Content-Type-Options: nosniff, as on every response (core.headers).
    return send_file(BytesIO(data), mimetype=content_type, as_attachment=True, download_name=filename)
