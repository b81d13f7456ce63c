"""What an edit of a meeting changed, and what saving it will reset and send once convoked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from concertation.core.timeutils import to_paris


@dataclass
class MeetingChanges:
    """What an edit changed, so that the invitations domain knows whom to notify and what to tell."""

    time_changed: bool = False
    place_changed: bool = False
    scope_changed: bool = False
    other_changed: bool = False
    # The times before and after the edit (aware UTC), for "au lieu de …" in the update email and letter.
    old_starts_at: datetime | None = None
    old_ends_at: datetime | None = None
    new_starts_at: datetime | None = None

    @property
    def needs_update(self) -> bool:
        return self.time_changed or self.place_changed

    @property
    def same_day(self) -> bool:
        """Only the hours moved, within the same Paris day: the email says "Nouvelle heure"."""
        return (
            self.time_changed
            and self.old_starts_at is not None
            and self.new_starts_at is not None
            and to_paris(self.old_starts_at).date() == to_paris(self.new_starts_at).date()
        )


@dataclass
class UpdateImpact:
    """What saving an edit of a convoked meeting will do, shown to the organiser before it is done."""

    answers_reset: int = 0
    represented: int = 0
    by_organiser: int = 0
    emails: int = 0
    paper: int = 0

    @property
    def message(self) -> str:
        parts = []
        if self.answers_reset:
            detail = []
            if self.represented:
                detail.append(f"{self.represented} « Représenté(e) par »")
            if self.by_organiser:
                detail.append(f"{self.by_organiser} saisie(s) par l'organisateur")
            extra = f" (dont {', '.join(detail)})" if detail else ""
            parts.append(
                f"La date ou l'heure change : {self.answers_reset} réponse(s) déjà reçue(s){extra} "
                "seront remises à « sans réponse »."
            )
        parts.append(
            f"Seront envoyés : {self.emails} courriel(s) de modification et {self.paper} courrier(s) "
            "papier à imprimer."
        )
        return " ".join(parts)
