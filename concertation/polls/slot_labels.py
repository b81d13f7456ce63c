"""A poll slot in one line, with its public holiday: the reminder emails and the exports' column heads."""

from __future__ import annotations

from concertation.polls.models import PollSlot
from concertation.polls.wording import slot_holiday
from concertation.polls.wording import slot_label as slot_words


def slot_label(slot: PollSlot) -> str:
    """ "jeudi 6 mai 2027, de 14 h à 17 h (Ascension, jour férié)" in Europe/Paris, as the poll emails say."""
    label = slot_words(slot.starts_at, slot.ends_at)
    holiday = slot_holiday(slot.starts_at)
    return f"{label} ({holiday}, jour férié)" if holiday else label
