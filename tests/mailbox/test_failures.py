"""A mailbox that goes away, and two schedulers reading the same mailbox at once."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest
from flask import Flask
from imap_tools import BaseMailBox
from sqlalchemy import func, select

from concertation.extensions import db
from concertation.followup.jobs import POLL_MAILBOX, job_named, run_recorded
from concertation.followup.models import JobRun
from concertation.invitations.inbox_models import MailboxPoll, ReceivedMail
from concertation.invitations.inbox_poll import MailboxUnavailable, inbox_settings, poll
from concertation.invitations.models import Answer, AnswerEvent, Invitation
from concertation.notifications.inbox import imap
from concertation.notifications.inbox.imap import DONE_FOLDER, ImapSettings
from tests.common import mail_samples as messages
from tests.common.dovecot import Dovecot
from tests.common.mailbox import convoked_and_sent, uid_of
from tests.common.mailbox import poll as poll_command
from tests.common.smtp import SmtpSink


def test_server_down_is_recorded_and_the_next_poll_catches_up(
    app: Flask, lozere: None, smtp_server: SmtpSink, dovecot: Dovecot
) -> None:
    meeting, emailed = convoked_and_sent(app)
    invitation = emailed[0]
    dovecot.append(messages.reply_email("thunderbird", uid=uid_of(meeting), attendee=invitation.email or ""))
    dovecot.stop()

    job = job_named(POLL_MAILBOX)
    assert job is not None
    with pytest.raises(MailboxUnavailable):
        run_recorded(app, job)
    run = db.session.scalars(select(JobRun).where(JobRun.job_name == POLL_MAILBOX)).one()
    assert run.outcome == "erreur"
    state = db.session.scalars(select(MailboxPoll)).one()
    assert state.failures == 1 and state.last_error and state.next_attempt_at is not None
    # Within the backoff the job does not hammer the server: it says when it will try again.
    assert "nouvel essai" in run_recorded(app, job)

    result = app.test_cli_runner().invoke(args=["mailbox", "poll"])
    assert result.exit_code == 1 and "injoignable" in result.output

    dovecot.start()
    result = app.test_cli_runner().invoke(args=["mailbox", "poll"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    state = db.session.scalars(select(MailboxPoll)).one()
    assert (state.failures, state.last_error, state.next_attempt_at) == (0, "", None)
    assert state.last_success_at is not None
    refreshed = db.session.get(Invitation, invitation.id)
    assert refreshed is not None and refreshed.answer == Answer.PRESENT
    assert dovecot.count(DONE_FOLDER) == 1


def test_two_schedulers_apply_each_message_once(
    app: Flask, lozere: None, smtp_server: SmtpSink, dovecot: Dovecot
) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (set TEST_DATABASE_URL); SQLite has one writer")
    meeting, emailed = convoked_and_sent(app)
    replies = [
        messages.reply_email("gmail", uid=uid_of(meeting), attendee=invitation.email or "")
        for invitation in emailed
    ]
    # Each message twice: a client that sent it again, or a copy left by a poll that died before its move.
    dovecot.append(*replies, *replies)
    settings = ImapSettings.from_config(app.config)
    assert settings is not None
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def scheduler() -> None:
        try:
            with app.app_context():
                barrier.wait()
                poll(settings, inbox_settings(app.config), force=True)
        except BaseException as error:  # noqa: BLE001 - reported to the test thread
            errors.append(error)

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    db.session.expire_all()
    ids = [invitation.id for invitation in emailed]
    events = db.session.scalar(
        select(func.count()).select_from(AnswerEvent).where(AnswerEvent.invitation_id.in_(ids))
    )
    assert events == len(emailed)
    assert db.session.scalar(select(func.count()).select_from(ReceivedMail)) == len(emailed)
    assert dovecot.count("INBOX") == 0
    assert dovecot.count(DONE_FOLDER) == 2 * len(emailed)


def test_server_stopped_between_a_chunk_and_its_move_catches_up_without_applying_twice(
    app: Flask, lozere: None, smtp_server: SmtpSink, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    meeting, emailed = convoked_and_sent(app)
    dovecot.append(
        *(messages.reply_email("outlook", uid=uid_of(meeting), attendee=i.email or "") for i in emailed)
    )
    monkeypatch.setattr(imap, "CHUNK", 4)
    real_move = imap.move
    stopped: list[int] = []

    def stop_then_move(box: BaseMailBox, uids: Sequence[int], folder: str) -> None:
        # The first chunk is committed; the server dies before its messages are filed.
        if not stopped:
            stopped.extend(uids)
            dovecot.kill()
        real_move(box, uids, folder)

    monkeypatch.setattr(imap, "move", stop_then_move)
    job = job_named(POLL_MAILBOX)
    assert job is not None
    with pytest.raises(MailboxUnavailable):
        run_recorded(app, job)
    assert len(stopped) == 4
    run = db.session.scalars(select(JobRun).where(JobRun.job_name == POLL_MAILBOX)).one()
    assert run.outcome == "erreur"
    state = db.session.scalars(select(MailboxPoll)).one()
    assert state.failures == 1 and state.last_uid == 0
    ids = [invitation.id for invitation in emailed]
    applied = select(func.count()).select_from(AnswerEvent).where(AnswerEvent.invitation_id.in_(ids))
    assert db.session.scalar(applied) == 4  # the first chunk's answers are committed

    monkeypatch.setattr(imap, "move", real_move)
    dovecot.start()
    assert "4 déjà traité" in poll_command(app)
    assert db.session.scalar(applied) == len(emailed)
    assert db.session.scalar(select(func.count()).select_from(ReceivedMail)) == len(emailed)
    assert all(
        i.answer == Answer.PRESENT
        for i in db.session.scalars(select(Invitation).where(Invitation.id.in_(ids)))
    )
    assert dovecot.count("INBOX") == 0
    assert dovecot.count(DONE_FOLDER) == len(emailed)
    state = db.session.scalars(select(MailboxPoll)).one()
    assert state.failures == 0 and state.last_uid == len(emailed)
