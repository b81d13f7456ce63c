"""Every domain's models, imported so that the metadata is complete for Alembic and the tests."""

from concertation.accounts.models import User
from concertation.invitations.models import AnswerEvent, Invitation
from concertation.meetings.models import (
    AgendaItem,
    CompositionRule,
    InviteeOverride,
    Meeting,
    MeetingInvitee,
)
from concertation.notifications.models import OutboxMessage
from concertation.people.models import Mandate, Person
from concertation.territory.models import (
    Canton,
    Commune,
    FormerCommune,
    Intercommunality,
    IntercommunalityMembership,
    Sector,
    Syndicate,
    SyndicateMember,
)

__all__ = [
    "AnswerEvent",
    "Invitation",
    "OutboxMessage",
    "AgendaItem",
    "CompositionRule",
    "InviteeOverride",
    "Meeting",
    "MeetingInvitee",
    "Canton",
    "Commune",
    "FormerCommune",
    "Intercommunality",
    "IntercommunalityMembership",
    "Mandate",
    "Person",
    "Sector",
    "Syndicate",
    "SyndicateMember",
    "User",
]
