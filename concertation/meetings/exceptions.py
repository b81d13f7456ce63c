"""Meeting errors, each with a French message for the user."""

from __future__ import annotations

from concertation.core.errors import FieldErrors


class MeetingError(Exception):
    """Base class: `str(error)` is shown to the user."""


class InvalidMeeting(MeetingError):
    """Input refused; `errors` maps each field to a French message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("Réunion non enregistrée : " + " ".join(errors.values()))
        self.errors = errors


class MeetingNotEditable(MeetingError):
    def __init__(self, status_label: str) -> None:
        super().__init__(f"Cette réunion est « {status_label} » : elle ne peut plus être modifiée.")


class InvalidInviteeChange(MeetingError):
    """A manual addition or removal that cannot be applied."""


class MeetingNotDeletable(MeetingError):
    def __init__(self, status_label: str) -> None:
        super().__init__(
            f"Cette réunion est « {status_label} » : seul un brouillon jamais convoqué peut être supprimé ; "
            "annulez-la plutôt, pour prévenir les invités."
        )


class InvalidDocument(FieldErrors, MeetingError):
    """A document refused (no file, wrong type, too large, title too long); `errors` maps each field to
    a French message. Nothing was written."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors, "Document non enregistré")


class DocumentRefused(MeetingError):
    """A change that the document's kind forbids (a dossier version is kept as it was sent)."""
