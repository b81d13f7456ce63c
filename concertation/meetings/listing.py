"""The meeting page's list: its warnings, how a frozen list differs from what the rules give today, and
its rows, rendered once per version of the data they come from.

All three need the whole composition (territory, mandates, rules, persons, other meetings' lists) while
they change only when one of those does, and the page of a convoked meeting is read far more often than
mandates and meetings are edited. The rendered HTML is kept per worker process under the meeting's id,
whether the reader may change the list, and the "composition" version of the database
(concertation.core.versions), which every commit touching a watched table increments: a cached part is
never older than the data the request sees. The forms' CSRF token is a placeholder in the cache, replaced
by the reader's own token at each request.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask import render_template
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from concertation.core import versions
from concertation.extensions import db
from concertation.meetings import calendar
from concertation.meetings.invitees import invitee_diff
from concertation.meetings.models import InviteeOverride, Meeting, MeetingInvitee
from concertation.meetings.warnings import list_warnings

GROUP = "composition"
# Everything a list, its warnings, its differences or its rows are computed from.
versions.watch(
    GROUP,
    "person",
    "mandate",
    "commune",
    "intercommunality",
    "intercommunality_membership",
    "syndicate",
    "syndicate_member",
    "canton",
    "canton_commune",
    "sector",
    "sector_commune",
    "sector_intercommunality",
    "composition_rule",
    "meeting",
    "meeting_invitee",
    "invitee_override",
)

# A meeting's invitees and manual changes with their persons: one statement each.
LIST_LOADS = [
    selectinload(Meeting.invitees).joinedload(MeetingInvitee.person),
    selectinload(Meeting.overrides).joinedload(InviteeOverride.person),
]

# Bounds of each process's cache: a 60-invitee list is about 40 kB of HTML, a 1,000-invitee one 700 kB.
CACHE_ENTRIES = 256
CACHE_CHARS = 16_000_000
# Stands for the reader's CSRF token in cached HTML: a NUL character cannot be stored in any text column
# (PostgreSQL refuses it, concertation.guards refuses it on SQLite), so no user text can contain it.
TOKEN_PLACEHOLDER = "\x00csrf\x00"  # noqa: S105 - a placeholder, not a secret


@dataclass(frozen=True)
class ListParts:
    """The cached parts of the meeting page, CSRF placeholders included."""

    review_html: str
    invitees_html: str

    @property
    def size(self) -> int:
        return len(self.review_html) + len(self.invitees_html)


@dataclass(frozen=True)
class ListPage:
    """The parts as one reader gets them."""

    review_html: Markup
    invitees_html: Markup


_cache: OrderedDict[tuple[int, int, bool], ListParts] = OrderedDict()
_cache_chars = 0
_lock = threading.Lock()


def list_page(meeting: Meeting, *, may_organise: bool) -> ListPage:
    """The list parts of the meeting page for a reader (`may_organise`: they may change the list)."""
    parts = _cached_parts(meeting, may_organise)
    token = generate_csrf() if may_organise else ""
    return ListPage(
        # Both were rendered with autoescape: only the placeholder, ours, is replaced.
        Markup(parts.review_html.replace(TOKEN_PLACEHOLDER, token)),  # noqa: S704
        Markup(parts.invitees_html.replace(TOKEN_PLACEHOLDER, token)),  # noqa: S704
    )


def _cached_parts(meeting: Meeting, may_organise: bool) -> ListParts:
    global _cache_chars
    version = versions.read(GROUP)
    key = (meeting.id, version, may_organise)
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    found = _render(meeting, may_organise)
    # Parts computed from uncommitted writes must not be filed under the committed version.
    if version < 0 or versions.has_unsaved_writes(db.session()):
        return found
    with _lock:
        if key not in _cache:
            _cache[key] = found
            _cache_chars += found.size
        while _cache and (len(_cache) > CACHE_ENTRIES or _cache_chars > CACHE_CHARS):
            _, dropped = _cache.popitem(last=False)
            _cache_chars -= dropped.size
    return found


def _render(meeting: Meeting, may_organise: bool) -> ListParts:
    # The meeting's lists, with their persons, in a statement each (the page loaded the meeting alone).
    db.session.execute(select(Meeting).where(Meeting.id == meeting.id).options(*LIST_LOADS)).one()
    lines = calendar.invitee_lines(meeting)
    context = {
        "meeting": meeting,
        "lines": lines,
        "warnings": list_warnings(meeting, lines),
        "diff": invitee_diff(meeting),
        "removals": calendar.manual_removals(meeting),
        "can_organise": may_organise,
        "is_editable": meeting.is_editable,
        "csrf_token": lambda: TOKEN_PLACEHOLDER,
    }
    return ListParts(
        render_template("meetings/_review.html", **context),
        render_template("meetings/_invitee_section.html", **context),
    )
