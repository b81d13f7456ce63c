"""French wording of meeting dates and email subjects, as élus read them (Europe/Paris)."""

from __future__ import annotations

from concertation.core.dates import format_day, format_meeting_time, format_time
from concertation.notifications.models import MessageKind

__all__ = ["format_day", "format_meeting_time", "format_time", "subject_for"]

# The kinds of email that carry a meeting's calendar object, and the first word of their subject.
SUBJECT_PREFIXES: dict[MessageKind, str] = {
    MessageKind.INVITATION: "Invitation",
    MessageKind.UPDATE: "Modification",
    # Also the subject of the CANCEL sent to one invitee taken off the list.
    MessageKind.CANCEL: "Annulation",
}
# An update whose only change is the hours, on the same day.
NEW_TIME_PREFIX = "Nouvelle heure"


def subject_for(
    kind: MessageKind, title: str, when: str | None = None, *, new_time_only: bool = False
) -> str:
    """The subject line: "Invitation : <title>", "Modification : …" ("Nouvelle heure : …" when only the
    hours change), "Annulation : …"; a ValueError for a kind without a calendar object.

    `when` (e.g. "mardi 12 mai 2026") is appended after a dash when given. Line breaks are
    flattened because a header cannot carry them.
    """
    if kind not in SUBJECT_PREFIXES:
        raise ValueError(f"no calendar email of kind {kind!r}")
    prefix = NEW_TIME_PREFIX if new_time_only and kind is MessageKind.UPDATE else SUBJECT_PREFIXES[kind]
    text = " ".join(title.split())
    if when:
        text = f"{text} – {' '.join(when.split())}"
    return f"{prefix} : {text}"
