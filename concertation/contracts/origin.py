"""The origin of a change to a contract: who makes it, from which meeting's decision, on which day.

Every service of the domain that writes the contract's history takes one `Origin` rather than a
user, a meeting id and a date each time; `history.record_event` writes its user and meeting beside
the change. A route builds it from the signed-in user, a meeting's decision from its meeting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from concertation.accounts.models import User
from concertation.core.timeutils import today_paris


@dataclass(frozen=True)
class Origin:
    """Who changes a contract, from which meeting's decision, on which day (history and dates)."""

    user: User | None = None
    meeting_id: int | None = None
    # None: today in Europe/Paris. A seam for tests and for decisions, recorded at a given moment.
    today: date | None = None

    def day(self) -> date:
        """The day of the change: the date a service checks against (« not in the future ») and records."""
        return self.today or today_paris()


# No user (a script, the demo), no meeting, today.
NO_ORIGIN = Origin()
