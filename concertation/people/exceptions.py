"""People errors, each with a French message for the user."""

from __future__ import annotations

# A file with thousands of bad lines would drown the terminal: show the first ones only.
MAX_LISTED_ERRORS = 20


class PeopleError(Exception):
    """Base class: `str(error)` is shown to the user."""


class InvalidImportFile(PeopleError):
    """A CSV file (RNE or contacts) that cannot be imported; nothing was written.

    `errors` holds (file line, reason) pairs, the header being line 1.
    """

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        self.errors = errors
        super().__init__(self._message())

    @classmethod
    def single(cls, line: int, reason: str) -> InvalidImportFile:
        return cls([(line, reason)])

    @property
    def first_line(self) -> int:
        return self.errors[0][0]

    def _message(self) -> str:
        lines = [f"Ligne {line} : {reason}" for line, reason in self.errors[:MAX_LISTED_ERRORS]]
        hidden = len(self.errors) - MAX_LISTED_ERRORS
        if hidden > 0:
            lines.append(f"… et {hidden} autre{'s' if hidden > 1 else ''} erreur{'s' if hidden > 1 else ''}.")
        return "\n".join(lines)
