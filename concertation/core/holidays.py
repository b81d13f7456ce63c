"""French public holidays (provisional: engineer Q replaces this module with the full version).

Only what the poll page needs until then: the name of the holiday falling on a date, or None.
"""

from __future__ import annotations

from datetime import date

import holidays


def is_public_holiday(on: date) -> str | None:
    """The French name of the public holiday (metropolitan France) on `on`, or None."""
    name = holidays.country_holidays("FR", years=on.year, language="fr").get(on)
    return str(name) if name else None
