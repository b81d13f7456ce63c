"""A poll slot in French words, with its public holiday: shared by the emails and the exports."""

from __future__ import annotations

from concertation.core.dates import format_meeting_time
from concertation.core.holidays import is_public_holiday
from concertation.core.timeutils import to_paris
from concertation.polls.models import PollSlot


def slot_label(slot: PollSlot) -> str:
    """ "jeudi 6 mai 2027 de 14 h 00 à 17 h 00 (Ascension, jour férié)", in Europe/Paris."""
    label = format_meeting_time(slot.starts_at, slot.ends_at)
    holiday = is_public_holiday(to_paris(slot.starts_at).date())
    return f"{label} ({holiday}, jour férié)" if holiday else label
