"""The élu's poll page: a personal signed link, no account, phone first (like the invitation answer page)."""

from __future__ import annotations

from flask import current_app, redirect, render_template, url_for
from werkzeug.wrappers import Response

from concertation.core.routing import GET_POST, add_rules, commit_or_flash, form_page
from concertation.extensions import db
from concertation.polls import services
from concertation.polls.emails import deadline_label, slot_lines
from concertation.polls.exceptions import PollError
from concertation.polls.forms import answer_choices, answer_form
from concertation.polls.models import PollRecipient
from concertation.polls.routes import bp, prefill_answers
from concertation.polls.tokens import InvalidPollToken, read_poll_token


def _recipient_for(token: str) -> PollRecipient:
    """The recipient the link names, if it belongs to the poll the link names (a link of one poll cannot
    answer another) and that poll was sent."""
    claims = read_poll_token(current_app.config["SECRET_KEY"], token)
    recipient = db.session.get(PollRecipient, claims.recipient_id)
    if recipient is None or recipient.poll_id != claims.poll_id or recipient.poll.sent_at is None:
        raise InvalidPollToken()
    return recipient


def answer(token: str) -> str | Response | tuple[str, int]:
    try:
        recipient = _recipient_for(token)
    except InvalidPollToken as error:
        return render_template("polls/invalid.html", message=str(error)), 404
    poll = recipient.poll
    context = {
        "recipient": recipient,
        "poll": poll,
        "meeting": poll.meeting,
        "slots": slot_lines(poll),
        "deadline": deadline_label(poll),
    }
    form = answer_form(poll.slots)
    if not services.is_open(poll):
        chosen = services.chosen_slot(poll)
        page = render_template(
            "polls/closed.html",
            **context,
            chosen=slot_lines(poll)[chosen.position]["label"] if chosen is not None else "",
        )
        # The page says the poll is closed; an answer posted anyway is refused (410 Gone).
        return (page, 410) if form.is_submitted() else page
    if not form.is_submitted():
        prefill_answers(form, recipient)
    if form.validate_on_submit():
        with commit_or_flash(
            PollError,
            "Votre réponse est enregistrée. Merci.",
            # The same link answered twice at once: the first answer stands, shown on the page.
            conflict="Votre réponse vient d'être enregistrée par ailleurs : vérifiez-la ci-dessous.",
        ):
            services.answer(recipient, answer_choices(form, poll.slots), form["comment"].data or "")
        return redirect(url_for("polls.answer", token=token), 303)
    return form_page("polls/answer.html", form, **context)


add_rules(bp, [("/s/<token>", "answer", answer, GET_POST)])
