"""Every domain's models, imported so that the metadata is complete for Alembic and the tests."""

from concertation.accounts.audit import AuditEvent
from concertation.accounts.models import ApiToken, PasswordReset, RememberToken, User
from concertation.accounts.throttle import Throttle
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
    "ApiToken",
    "Attendance",
    "AttendanceScan",
    "AuditEvent",
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
    "Mandate",
    "Meeting",
    "MeetingInvitee",
    "Minutes",
    "MinutesSection",
    "MinutesVersion",
    "OutboxMessage",
    "PasswordReset",
    "Person",
    "ProjectFunding",
    "ProjectSheet",
    "ProjectStatusChange",
    "RememberToken",
    "ReminderLog",
    "ReminderOptOut",
    "ReserveGrant",
    "RneImport",
    "Sector",
    "Signatory",
    "StageChange",
    "Syndicate",
    "SyndicateMember",
    "Throttle",
    "User",
]
