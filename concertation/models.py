"""Every domain's models, imported so that the metadata is complete for Alembic and the tests."""

from concertation.accounts.models import User
from concertation.contracts.models import (
    Amendment,
    AmendmentChange,
    Contract,
    ContractDocument,
    ContractEvent,
    ProjectFunding,
    ProjectSheet,
    ProjectStatusChange,
    ReserveGrant,
    Signatory,
    StageChange,
)
from concertation.followup.models import JobRun, ReminderLog, ReminderOptOut
from concertation.invitations.inbox_models import MailboxPoll, ReceivedMail
from concertation.invitations.models import AnswerEvent, Invitation, InvitationReminder
from concertation.meetings.models import (
    AgendaItem,
    CompositionRule,
    InviteeOverride,
    Meeting,
    MeetingInvitee,
)
from concertation.minutes.models import (
    ActionItem,
    Attendance,
    AttendanceScan,
    Decision,
    Minutes,
    MinutesSection,
    MinutesVersion,
)
from concertation.notifications.models import OutboxMessage
from concertation.people.models import Mandate, Person
from concertation.people.rne.history import RneImport
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
    "ActionItem",
    "AgendaItem",
    "Amendment",
    "AmendmentChange",
    "AnswerEvent",
    "Attendance",
    "AttendanceScan",
    "Canton",
    "Commune",
    "CompositionRule",
    "Contract",
    "ContractDocument",
    "ContractEvent",
    "Decision",
    "FormerCommune",
    "Intercommunality",
    "IntercommunalityMembership",
    "Invitation",
    "InvitationReminder",
    "InviteeOverride",
    "JobRun",
    "MailboxPoll",
    "Mandate",
    "Meeting",
    "MeetingInvitee",
    "Minutes",
    "MinutesSection",
    "MinutesVersion",
    "OutboxMessage",
    "Person",
    "ProjectFunding",
    "ProjectSheet",
    "ProjectStatusChange",
    "ReceivedMail",
    "ReminderLog",
    "ReminderOptOut",
    "ReserveGrant",
    "RneImport",
    "Sector",
    "Signatory",
    "StageChange",
    "Syndicate",
    "SyndicateMember",
    "User",
]
