"""`flask invitations ingest-reply`: a saved message is applied with the mailbox poll's rules, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from concertation.extensions import db
from concertation.invitations.inbox_models import ReceivedMail, ReceivedStatus
from concertation.invitations.models import Answer, AnswerSource, Invitation
from tests.common import mail_samples as messages
from tests.common.mailbox import convoked_and_sent, uid_of
from tests.common.smtp import SmtpSink


def _ingest(app: Flask, *files: Path) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["invitations", "ingest-reply", *map(str, files)])
    db.session.expire_all()
    return result.exit_code, result.output


def _invitation(invitation_id: int) -> Invitation:
    found = db.session.get(Invitation, invitation_id)
    assert found is not None
    return found


def test_a_saved_reply_is_applied_once_and_a_future_one_is_left_to_confirm(
    app: Flask, lozere: None, smtp_server: SmtpSink, tmp_path: Path
) -> None:
    meeting, emailed = convoked_and_sent(app)
    first = emailed[0]
    saved = tmp_path / "réponse d'Outlook.eml"
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    saved.write_bytes(
        messages.reply_email("outlook", uid=uid_of(meeting), attendee=first.email or "", dtstamp=an_hour_ago)
    )

    code, output = _ingest(app, saved)
    assert code == 0, output
    assert "Traité. Réponse d'agenda enregistrée : Présent(e)." in output
    invitation = _invitation(first.id)
    assert (invitation.answer, invitation.answer_source) == (Answer.PRESENT, AnswerSource.CALENDAR)

    code, output = _ingest(app, saved)
    assert code == 0 and "(déjà traité)" in output
    assert len(db.session.scalars(select(ReceivedMail)).all()) == 1

    future = tmp_path / "future.eml"
    future.write_bytes(
        messages.reply_email(
            "outlook",
            uid=uid_of(meeting),
            attendee=first.email or "",
            partstat="DECLINED",
            dtstamp=datetime.now(UTC) + timedelta(days=30),
        )
    )
    code, output = _ingest(app, future)
    assert "future.eml : À lire. À confirmer : datée dans le futur." in output
    assert _invitation(first.id).answer is Answer.PRESENT


def test_a_bare_ics_file_or_a_foreign_uid_is_not_applied(
    app: Flask, lozere: None, smtp_server: SmtpSink, tmp_path: Path
) -> None:
    meeting, emailed = convoked_and_sent(app)
    second = emailed[1]
    bare = tmp_path / "reponse.ics"
    bare.write_text(
        messages.calendar(
            "thunderbird",
            uid=uid_of(meeting),
            attendee=second.email or "",
            partstat="DECLINED",
            sequence=0,
            dtstamp=datetime.now(UTC),
        )
    )
    foreign = tmp_path / "autre-service.eml"
    foreign.write_bytes(
        messages.reply_email(
            "gmail", uid=f"meeting-{meeting.id}@ailleurs.example", attendee=emailed[2].email or ""
        )
    )
    noise = tmp_path / "lettre.eml"
    noise.write_bytes(messages.noise(1))

    code, output = _ingest(app, bare, foreign, noise)
    # The newsletter is none of the service's business: said, and the exit code tells a script.
    assert code == 1
    assert "reponse.ics : À lire. À confirmer" in output
    assert "lettre.eml : ni réponse d'agenda" in output
    row = db.session.scalars(select(ReceivedMail).where(ReceivedMail.invitation_id == second.id)).one()
    assert (row.status, row.proposed_answer) == (ReceivedStatus.TO_READ, Answer.ABSENT)
    assert _invitation(second.id).answer is Answer.EN_ATTENTE
    assert _invitation(emailed[2].id).answer is Answer.EN_ATTENTE
