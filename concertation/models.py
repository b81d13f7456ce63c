"""Every domain's models module, imported so that the metadata is complete for Alembic and the tests."""

from concertation.accounts import audit as accounts_audit
from concertation.accounts import models as accounts
from concertation.accounts import throttle as accounts_throttle
from concertation.contracts import models as contracts
from concertation.followup import models as followup
from concertation.invitations import inbox_models as invitations_inbox
from concertation.invitations import models as invitations
from concertation.meetings import models as meetings
from concertation.minutes import models as minutes
from concertation.notifications import models as notifications
from concertation.people import models as people
from concertation.people.rne import history as rne_history
from concertation.polls import models as polls
from concertation.territory import models as territory

__all__ = [
    "accounts",
    "accounts_audit",
    "accounts_throttle",
    "contracts",
    "followup",
    "invitations",
    "invitations_inbox",
    "meetings",
    "minutes",
    "notifications",
    "people",
    "polls",
    "rne_history",
    "territory",
]
