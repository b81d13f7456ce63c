"""Decisions and action items of a meeting, and the link of the meeting to its contract."""

from __future__ import annotations

from typing import Any

from flask import flash, render_template
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from concertation.accounts.current import signed_in_user
from concertation.contracts.models import Contract
from concertation.core.routing import commit_or_flash
from concertation.core.security import organiser_required, reader_required
from concertation.core.text import sort_key
from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.meetings.contracts import contract_choices
from concertation.meetings.models import Meeting
from concertation.minutes.actions import actions_of, add_action, set_action_status
from concertation.minutes.attendance import current_invitees, others
from concertation.minutes.decisions import (
    decisions_of,
    link_contract,
    record_decision,
    undo_decision,
)
from concertation.minutes.enums import DecisionKind
from concertation.minutes.exceptions import InvalidInput, MinutesError
from concertation.minutes.forms import (
    ActionForm,
    ActionItemForm,
    ActionStatusForm,
    ContractLinkForm,
    DecisionForm,
)
from concertation.minutes.minutes import minutes_of
from concertation.minutes.models import ActionItem, Decision
from concertation.minutes.routes.common import back, expired, load_meeting, rules, submit

PAGE = "minutes.decisions_page"


def _forms(
    meeting: Meeting,
    decisions: list[Decision],
    decision_form: DecisionForm | None,
    action_form: ActionItemForm | None,
    link_form: ContractLinkForm | None,
) -> dict[str, Any]:
    contract = meeting.contract
    decision_form = decision_form or DecisionForm(formdata=None)
    decision_form.fill(
        [(item.id, f"{item.position}. {item.title}") for item in meeting.agenda_items],
        [(p.id, f"n° {p.number} — {p.title} (priorité {p.priority})") for p in contract.projects]
        if contract is not None
        else [],
        [(a.id, a.label) for a in contract.amendments if not a.is_signed] if contract is not None else [],
    )
    persons = {line.person.id: line.person.display_name for line in current_invitees(meeting)}
    persons.update({a.person.id: a.person.display_name for a in others(meeting) if a.person is not None})
    action_form = action_form or ActionItemForm(formdata=None)
    action_form.fill(
        sorted(persons.items(), key=lambda pair: sort_key(pair[1])),
        [(d.id, f"{d.kind.label} — {d.summary}"[:120]) for d in decisions if d.is_active],
    )
    link_form = link_form or ContractLinkForm(formdata=None)
    link_form.fill(
        (c.id, f"{c.title} ({c.period_label}, {c.stage.label})") for c in contract_choices(meeting)
    )
    if meeting.contract_id is not None and not link_form.contract_id.data:
        link_form.contract_id.data = str(meeting.contract_id)
    return {"decision_form": decision_form, "action_form": action_form, "link_form": link_form}


def _page(
    meeting: Meeting,
    *,
    decision_form: DecisionForm | None = None,
    action_form: ActionItemForm | None = None,
    link_form: ContractLinkForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    decisions = decisions_of(meeting)
    minutes = minutes_of(meeting)
    context = {
        "meeting": meeting,
        "decisions": decisions,
        "actions": actions_of(meeting),
        "minutes": minutes,
        "is_open": (minutes is None or minutes.is_draft) and meeting.starts_at <= now_utc(),
        "kinds": list(DecisionKind),
        "action": ActionForm(),
        "status_form": ActionStatusForm(formdata=None),
        **_forms(meeting, decisions, decision_form, action_form, link_form),
    }
    return render_template("minutes/decisions.html", **context), status


@reader_required
def decisions_page(meeting_id: int) -> tuple[str, int]:
    return _page(load_meeting(meeting_id))


@organiser_required
def add_decision(meeting_id: int) -> BaseResponse | tuple[str, int]:
    meeting = load_meeting(meeting_id)
    form = DecisionForm()
    return submit(
        form,
        lambda: record_decision(meeting, form.to_input(), user=signed_in_user(), rules=rules()),
        done=lambda decision: f"Décision enregistrée : {decision.summary}",
        then=back(PAGE, meeting, "decisions"),
        failed=back(PAGE, meeting),
        again=lambda: _page(load_meeting(meeting_id), decision_form=form, status=422),
    )


@organiser_required
def undo(meeting_id: int, decision_id: int) -> BaseResponse:
    meeting = load_meeting(meeting_id)
    decision: Decision = db.first_or_404(select(Decision).filter_by(id=decision_id, meeting_id=meeting.id))
    if not ActionForm().validate_on_submit():
        return expired(back(PAGE, meeting, "decisions"))
    with commit_or_flash(MinutesError, "Décision annulée : le contrat a retrouvé son état précédent."):
        undo_decision(decision, user=signed_in_user(), rules=rules())
    return back(PAGE, meeting, "decisions")


@organiser_required
def link(meeting_id: int) -> BaseResponse | tuple[str, int]:
    meeting = load_meeting(meeting_id)
    form = ContractLinkForm()

    def apply() -> Contract:
        raw = form.contract_id.data or ""
        contract = next((c for c in contract_choices(meeting) if str(c.id) == raw), None)
        if contract is None:
            raise InvalidInput({"contract_id": "Choisissez un contrat du territoire de la réunion."})
        link_contract(meeting, contract)
        return contract

    return submit(
        form,
        apply,
        done=lambda linked: f"Réunion reliée au contrat « {linked.title} ».",
        then=back(PAGE, meeting),
        again=lambda: _page(load_meeting(meeting_id), link_form=form, status=422),
    )


@organiser_required
def new_action(meeting_id: int) -> BaseResponse | tuple[str, int]:
    meeting = load_meeting(meeting_id)
    form = ActionItemForm()
    return submit(
        form,
        lambda: add_action(meeting, form.to_input(), user=signed_in_user()),
        done=lambda _: "Action enregistrée.",
        then=back(PAGE, meeting, "actions"),
        again=lambda: _page(load_meeting(meeting_id), action_form=form, status=422),
    )


@organiser_required
def action_status(meeting_id: int, action_id: int) -> BaseResponse:
    meeting = load_meeting(meeting_id)
    item: ActionItem = db.first_or_404(select(ActionItem).filter_by(id=action_id, meeting_id=meeting.id))
    form = ActionStatusForm()
    if not form.validate_on_submit():
        return expired(back(PAGE, meeting, "actions"))
    with commit_or_flash(MinutesError) as outcome:
        set_action_status(item, form.status.data or "")
    if outcome.committed:
        flash(f"Action « {item.title} » : {item.status.label.lower()}.", "success")
    return back(PAGE, meeting, "actions")
