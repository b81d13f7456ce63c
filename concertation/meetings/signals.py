"""Signals sent by meeting services, so that the invitations domain can notify invitees (and the minutes
keep the contract their decisions were taken on).

Meetings must not import invitations (dependencies point one way); the handlers run synchronously
inside the caller's transaction, so their outbox rows commit or roll back with the change.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: sender: the Meeting; kwargs: changes (MeetingChanges), notify_anyway (bool)
meeting_updated = _signals.signal("meeting-updated")
#: sender: the Meeting; kwargs: applied (AppliedDiff) — lines added to or removed from a frozen list
invitees_changed = _signals.signal("invitees-changed")
#: sender: the Meeting; kwargs: was_convoked (bool)
meeting_cancelled = _signals.signal("meeting-cancelled")
#: sender: the Meeting; kwargs: changes (MeetingChanges), notify_anyway (bool); a receiver returns the
#: UpdateImpact of saving that edit, without changing anything (the edit form's confirmation)
update_impact = _signals.signal("update-impact")
#: sender: the Meeting; kwargs: contract (the Contract it is about to be linked to, or None); a receiver
#: returns a French message when the link may not change (minutes: decisions taken on the linked contract)
contract_relinking = _signals.signal("contract-relinking")
