"""Turnout statistics by meeting, CC, town and year, the invitees who never came, the chart."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from concertation.accounts.models import User, UserRole
from concertation.demo import load_demo
from concertation.extensions import db
from concertation.minutes.attendance import AttendanceEntry, current_invitees, record_attendance
from concertation.minutes.stats import stats_years, turnout_stats
from tests.common.db.minutes import past_meeting
from tests.common.db.territory import GEVAUDAN, MENDE
from tests.common.http import count_queries

pytestmark = pytest.mark.usefixtures("lozere")


def _held_with_attendance(kind: str, came: int, **scope: str):  # type: ignore[no-untyped-def]
    meeting = past_meeting(kind, title=f"{kind} test", **scope)
    meeting.status = "tenue"
    from concertation.meetings.invitees import freeze_invitees

    freeze_invitees(meeting)
    invitees = current_invitees(meeting)
    entries = [
        AttendanceEntry(i.person_id, "present" if n < came else "absent") for n, i in enumerate(invitees)
    ]
    record_attendance(meeting, entries)
    db.session.commit()
    return meeting, invitees


def test_turnout_by_meeting_cc_town_and_the_invitees_who_never_came(
    app: object, client: FlaskClient, login: Callable[..., User]
) -> None:
    load_demo()
    concertation, invited_cc = _held_with_attendance("concertation", 5, siren=GEVAUDAN)
    rendez_vous, invited_rdv = _held_with_attendance("rendez_vous", 10, town=MENDE)
    with count_queries() as queries:
        stats = turnout_stats(2026)
    assert len(queries) <= 10  # a fixed number, whatever the meetings and invitees
    assert stats_years() == [2026]
    rows = {row.meeting_id: row for row in stats.meetings}
    assert (rows[concertation.id].invited, rows[concertation.id].came) == (len(invited_cc), 5)
    assert (rows[rendez_vous.id].invited, rows[rendez_vous.id].came) == (len(invited_rdv), 10)
    assert [(g.label, g.came) for g in stats.by_cc] == [("CC du Gévaudan", 5)]
    assert [(g.label, g.came) for g in stats.by_town] == [("Mende", 10)]
    assert stats.total.invited == len(invited_cc) + len(invited_rdv) and stats.total.came == 15
    came = {i.person_id for i in invited_cc[:5]} | {i.person_id for i in invited_rdv[:10]}
    everyone = {i.person_id for i in invited_cc} | {i.person_id for i in invited_rdv}
    assert {n.person_id for n in stats.never_came} == everyone - came
    both = {i.person_id for i in invited_cc} & {i.person_id for i in invited_rdv} - came
    assert all(n.invitations == 2 for n in stats.never_came if n.person_id in both)
    assert turnout_stats(2025).meetings == []

    login(UserRole.LECTEUR)
    page = client.get("/statistiques/participation?annee=2026").get_data(as_text=True)
    assert (
        'role="img"' in page and '<title id="graphe-titre">Participation aux réunions de 2026</title>' in page
    )
    assert "Invités jamais venus en 2026" in page and "CC du Gévaudan" in page
    assert rows[concertation.id].rate_label in page


def test_meetings_not_yet_held_are_not_counted(app: object) -> None:
    """Issue 12, item 14: attendance typed ahead (before the rule) does not enter the statistics."""
    from concertation.meetings.invitees import freeze_invitees
    from concertation.minutes.enums import AttendanceStatus, AttendeeKind
    from concertation.minutes.models import Attendance
    from tests.common import db as f

    f.gevaudan_elus()
    held, _ = _held_with_attendance("concertation", 3, siren=GEVAUDAN)
    ahead = f.meeting("concertation", title="Plus tard", starts_at=f.paris(2027, 3, 9))
    freeze_invitees(ahead)
    for invitee in current_invitees(ahead):  # rows written directly: the service now refuses them
        db.session.add(
            Attendance(
                meeting_id=ahead.id,
                invitee_id=invitee.id,
                person_id=invitee.person_id,
                kind=AttendeeKind.INVITE,
                status=AttendanceStatus.PRESENT,
            )
        )
    db.session.commit()
    assert stats_years() == [2026]
    assert turnout_stats(2027).meetings == []
    assert [m.meeting_id for m in turnout_stats(2026).meetings] == [held.id]
