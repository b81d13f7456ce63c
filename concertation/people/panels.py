"""The élus shown on the territory pages, offered to their templates as Jinja globals.

Territory sits below people and cannot ask for mandates itself: its templates include the partials of
templates/people/ (`_body_mandates.html`, `_people_inline.html`), which call these functions.
"""

from __future__ import annotations

from concertation.core.timeutils import today_paris
from concertation.people.models import Mandate, Role
from concertation.people.services import count_mandates_in, holders_by_body, mandates_in

# Who heads each kind of body, in the lists of the territory pages.
HEAD_ROLES: dict[str, tuple[Role, ...]] = {
    "intercommunality": (Role.PRESIDENT_EPCI,),
    "canton": (Role.CONSEILLER_DEPARTEMENTAL,),
    "syndicate": (Role.PRESIDENT_SYNDICAT,),
}


def body_mandates(kind: str, body_id: int) -> list[Mandate]:
    """The mandates held today in one body, by role then name."""
    return mandates_in(kind, body_id, today_paris())


def body_heads(kind: str) -> dict[int, list[Mandate]]:
    """For each body of a kind, the mandates of the persons heading it today (one query)."""
    return holders_by_body(kind, HEAD_ROLES[kind], today_paris())


def body_mandate_count(kind: str, body_id: int) -> int:
    """How many mandates, current or ended, were held in one body."""
    return count_mandates_in(kind, body_id)
