"""French wording of meeting dates and email subjects, as élus read them (Europe/Paris)."""

from __future__ import annotations

from enum import StrEnum

from concertation.core.dates import format_day, format_meeting_time, format_time

__all__ = ["MessageKind", "format_day", "format_meeting_time", "format_time", "subject_for"]


class MessageKind(StrEnum):
    """What an email about a meeting announces; decides its subject and its template."""

    INVITATION = "invitation"
    UPDATE = "update"
    CANCELLATION = "cancel"
    # One invitee taken off the list: a CANCEL to that person alone, worded as such.
    REMOVAL = "removal"
    # An update whose only change is the hours, on the same day.
    NEW_TIME = "new_time"


SUBJECT_PREFIXES: dict[MessageKind, str] = {
    MessageKind.INVITATION: "Invitation",
    MessageKind.UPDATE: "Modification",
    MessageKind.CANCELLATION: "Annulation",
    MessageKind.REMOVAL: "Annulation",
    MessageKind.NEW_TIME: "Nouvelle heure",
}


def subject_for(kind: MessageKind | str, title: str, when: str | None = None) -> str:
    """The subject line: "Invitation : <title>", "Modification : …", "Annulation : …".

    `when` (e.g. "mardi 12 mai 2026") is appended after a dash when given. Line breaks are
    flattened because a header cannot carry them.
    """
    prefix = SUBJECT_PREFIXES[MessageKind(kind)]
    text = " ".join(title.split())
    if when:
        text = f"{text} – {' '.join(when.split())}"
    return f"{prefix} : {text}"
