"""Composition rules of the invitee lists (admins)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from concertation.core.ids import parse_id
from concertation.core.routing import commit_or_flash
from concertation.core.security import admin_required, organiser_required
from concertation.extensions import db
from concertation.meetings import rules
from concertation.meetings.exceptions import MeetingError
from concertation.meetings.forms import ActionForm, RuleForm
from concertation.meetings.models import CompositionRule, Selector
from concertation.people.models import Person


@organiser_required
def rules_admin() -> str:
    """The rules, which decide who is invited: organisers read them, admins change them."""
    return _render_rules(RuleForm())


def _render_rules(form: RuleForm) -> str:
    query = request.args.get("q", "").strip()
    form.fill_persons(rules.guest_candidates(query))
    return render_template(
        "meetings/rules.html",
        rules_by_kind=rules.rules_by_kind(),
        form=form,
        query=query,
        action=ActionForm(),
        person_selector=Selector.PERSON,
        selector_labels={selector.value: selector.label for selector in Selector},
    )


@admin_required
def rule_add() -> BaseResponse | tuple[str, int]:
    form = RuleForm()
    if form.validate_on_submit():
        raw = form.person_id.data or ""
        person = db.session.get(Person, person_id) if (person_id := parse_id(raw)) else None
        with commit_or_flash(form=form, invalid=MeetingError, field="selector") as outcome:
            rule = rules.add_rule(
                form.kind.data or "", form.selector.data or "", person=person, label=form.label.data or ""
            )
        if outcome.committed:
            flash(f"Règle « {rule.description} » ajoutée.", "success")
            return redirect(url_for(".rules_admin", _anchor=f"regles-{rule.meeting_kind}"), 303)
    return _render_rules(form), 422


def _rule_action(rule_id: int, change: Any, done: str) -> BaseResponse:
    rule = db.get_or_404(CompositionRule, rule_id)
    if not ActionForm().validate_on_submit():
        flash("Le formulaire a expiré : rechargez la page.", "danger")
    else:
        with commit_or_flash(MeetingError, done, category="warning"):
            change(rule)
    return redirect(url_for(".rules_admin", _anchor=f"regles-{rule.meeting_kind}"), 303)


@admin_required
def rule_toggle(rule_id: int) -> BaseResponse:
    enable = request.form.get("activer") == "1"
    return _rule_action(
        rule_id,
        lambda rule: rules.set_rule_enabled(rule, enable),
        "Règle activée." if enable else "Règle désactivée.",
    )


@admin_required
def rule_move(rule_id: int) -> BaseResponse:
    offset = -1 if request.form.get("sens") == "haut" else 1
    return _rule_action(rule_id, lambda rule: rules.move_rule(rule, offset), "Ordre des règles modifié.")


@admin_required
def rule_delete(rule_id: int) -> BaseResponse:
    return _rule_action(rule_id, rules.delete_rule, "Règle supprimée.")
