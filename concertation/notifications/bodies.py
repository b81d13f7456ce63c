"""The two bodies of a service email, rendered from its pair of templates emails/<name>.txt and
emails/<name>.html: every email of the service (invitations, reminders, polls, minutes, password reset)
is written this way."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app


@dataclass(frozen=True)
class EmailBody:
    """The plain-text part and the HTML part of one email."""

    text: str
    html: str


class EmailTemplates:
    """The pair of templates of one email, loaded once: a batch renders it again for each recipient."""

    def __init__(self, name: str) -> None:
        jinja = current_app.jinja_env
        self.text = jinja.get_template(f"emails/{name}.txt")
        self.html = jinja.get_template(f"emails/{name}.html")

    def render(self, context: Mapping[str, Any]) -> EmailBody:
        # The templates' own context only, as render_template would, minus the app's context processors
        # (navigation menus, page helpers), which emails do not use.
        return EmailBody(text=self.text.render(context), html=self.html.render(context))


def render_body(name: str, context: Mapping[str, Any]) -> EmailBody:
    """One email's bodies from emails/<name>.txt and emails/<name>.html."""
    return EmailTemplates(name).render(context)
