"""What a calendar client's answer (iTIP REPLY, ICAL.md point 22) means as an invitee's answer.

The replies reach the service through the organiser's mailbox (inbox_poll.py) or a saved message given
to `flask invitations ingest-reply`; both apply them with the same rules (inbox.py, inbox_apply.py).
"""

from __future__ import annotations

from concertation.invitations.models import Answer
from concertation.notifications.ics_types import PartStat

PARTSTAT_ANSWERS = {
    PartStat.ACCEPTED: Answer.PRESENT,
    PartStat.DECLINED: Answer.ABSENT,
    PartStat.TENTATIVE: Answer.PEUT_ETRE,
}
