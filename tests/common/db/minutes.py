"""Minutes factories: meetings that took place, convoked or not, with a contract."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from concertation.contracts.enums import ContractStage
from concertation.contracts.models import Contract
from concertation.extensions import db
from concertation.invitations import services as invitations
from concertation.meetings.models import Meeting, MeetingStatus
from concertation.minutes.decisions import link_contract
from concertation.notifications.emails import MailContext
from tests.common import db as f
from tests.common.db.contracts import contract_at, new_project

HELD_ON = f.paris(2026, 11, 10, 14)


def past_meeting(kind: str = "concertation", **kwargs: object) -> Meeting:
    """A draft meeting that took place on 10/11/2026 (created on 01/11/2026)."""
    return f.meeting(kind, starts_at=HELD_ON, now=f.paris(2026, 11, 1), **kwargs)  # type: ignore[arg-type]


def convoked_then_held(app: Flask, kind: str = "concertation", **kwargs: object) -> Meeting:
    """A meeting convoked for 2027 (invitations, answers possible), then moved to 10/11/2026 and held.

    Convocation needs a meeting in the future; the move to the past stands for the passing of time.
    """
    meeting = f.meeting(kind, starts_at=f.paris(2027, 3, 9, 14), **kwargs)  # type: ignore[arg-type]
    db.session.commit()
    invitations.convoke(meeting, MailContext.from_config(app.config))
    db.session.commit()
    return meeting


def mark_held(meeting: Meeting) -> None:
    meeting.starts_at = HELD_ON
    meeting.ends_at = HELD_ON + timedelta(hours=3)
    meeting.status = MeetingStatus.TENUE
    db.session.commit()


def with_contract(meeting: Meeting, stage: ContractStage = ContractStage.PROPOSITIONS) -> Contract:
    """A Gévaudan contract at `stage` with one project sheet (priority 1), linked to the meeting."""
    contract = contract_at(stage)
    if not contract.projects:
        new_project(contract)
    link_contract(meeting, contract)
    db.session.commit()
    return contract
