"""Benchmark: 1,000 messages of the organiser's mailbox read by `poll`, against imaplib fetching them alone.

Run from the repository root: `.venv/bin/python bench/mailbox.py [--messages N] [--invitees I] [--repeat K]`.
Needs Dovecot (`apt-get install dovecot-imapd`); it is started on a free 127.0.0.1 port with its own
configuration in a temporary directory, as the tests do (tests/common/dovecot.py). A fresh database is
built with the migrations (SQLite, or a private PostgreSQL database when BENCH_DATABASE_URL is set).

Set-up, not timed: one intercommunality of I communes with a maire each (bench/_dataset.py), a concertation
convoked on it (its outbox rows marked sent), and N messages: 40 % calendar REPLYs (Outlook, Gmail,
Thunderbird and Apple forms), 20 % RFC 3464 bounces returning an invitation's Message-ID, 15 %
out-of-office replies, 10 % invitees' own messages, 15 % newsletters (left untouched).

- project: `inbox_poll.poll()`: fetch, classify, apply in the database (chunks of 200, one transaction
  each), move to Concertation/Traités and Concertation/À lire. Before each run the N messages are APPENDed
  to INBOX and the received-message rows are deleted (not timed);
- baseline: imaplib alone, logged in to the same server: SELECT a folder holding the same N messages,
  UID SEARCH ALL, UID FETCH (BODY.PEEK[]) in chunks of 200, LOGOUT. No parsing, no database, no move;
- the IMAP floor (`imap_floor_s`, `imap_floor_ratio`): imaplib alone fetching the same messages and
  moving each chunk's handled messages as the poll does (UID MOVE). What the IMAP server costs any client
  that files the messages, before any parsing or database work.

Runs alternate, K times each; figures are medians, with the poll's steps (fetch, classify, apply, move)
in `project_steps_s` (the MOVEs are mostly the IMAP server's work: Dovecot renames each message file).
After each project run the database must hold one row per handled message and INBOX only the
newsletters (asserted). The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import imaplib
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from imap_tools import MailBoxUnencrypted
from sqlalchemy import delete, func, select, update

from bench import _dataset
from bench.send import create_meetings
from concertation.extensions import db
from concertation.invitations.inbox_models import MailboxPoll, ReceivedMail, ReceivedStatus
from concertation.invitations.inbox_poll import inbox_settings, poll
from concertation.invitations.models import Invitation
from concertation.invitations.services import convoke
from concertation.meetings.models import Meeting
from concertation.notifications.emails import MailContext
from concertation.notifications.inbox.imap import CHUNK, ImapSettings
from concertation.notifications.models import DeliveryState, OutboxMessage
from tests.common import mail_samples as messages
from tests.common.dovecot import Dovecot, dovecot_binary

BASELINE_FOLDER = "Bench"
FORMS = ("outlook", "gmail", "thunderbird", "apple")


def build_messages(meeting: Meeting, n: int) -> tuple[list[bytes], int]:
    """N mixed messages for the meeting's invitees; and how many are newsletters (left in INBOX)."""
    rows = db.session.execute(
        select(Invitation.email, OutboxMessage.message_id)
        .join(OutboxMessage, OutboxMessage.invitation_id == Invitation.id)
        .where(Invitation.meeting_id == meeting.id)
        .order_by(Invitation.id)
    ).all()
    uid = f"meeting-{meeting.id}@{meeting.calendar_uid_domain}"
    stamp = datetime.now(UTC) - timedelta(hours=1)
    built: list[bytes] = []
    noise = 0
    for index in range(n):
        email, message_id = rows[index % len(rows)]
        share = index % 20
        if share < 8:
            partstat = ("ACCEPTED", "DECLINED", "TENTATIVE")[index % 3]
            built.append(
                messages.reply_email(
                    FORMS[index % 4], uid=uid, attendee=email, partstat=partstat, dtstamp=stamp
                )
            )
        elif share < 12:
            built.append(messages.dsn(email, message_id))
        elif share < 15:
            built.append(messages.out_of_office(email, message_id))
        elif share < 17:
            built.append(messages.person_reply(email, "Je serai présent.", message_id))
        else:
            built.append(messages.noise(index))
            noise += 1
    return built, noise


def baseline(server: Dovecot) -> int:
    """imaplib alone: fetch every message of the baseline folder; returns how many bytes came."""
    client = imaplib.IMAP4(server.host, server.port, timeout=30)
    client.login(server.user, server.password)
    client.select(BASELINE_FOLDER, readonly=True)
    _, data = client.uid("SEARCH", "ALL")
    uids = data[0].split()
    size = 0
    for start in range(0, len(uids), CHUNK):
        chunk = b",".join(uids[start : start + CHUNK]).decode()
        _, fetched = client.uid("FETCH", chunk, "(BODY.PEEK[])")
        size += sum(len(item[1]) for item in fetched if isinstance(item, tuple))
    client.logout()
    return size


def fetch_and_move(server: Dovecot, folder: str, moves: dict[str, int]) -> None:
    """imaplib alone doing the IMAP part of a poll: fetch `folder` in chunks, then UID MOVE each chunk's
    messages to the folders of `moves` (folder -> share of each chunk), as the poll files them."""
    client = imaplib.IMAP4(server.host, server.port, timeout=30)
    client.login(server.user, server.password)
    for target in moves:
        client.create(target)
    client.select(folder)
    _, data = client.uid("SEARCH", "ALL")
    uids = data[0].split()
    for start in range(0, len(uids), CHUNK):
        chunk = uids[start : start + CHUNK]
        client.uid("FETCH", b",".join(chunk).decode(), "(BODY.PEEK[])")
        at = 0
        for target, share in moves.items():
            count = len(chunk) * share // 1000
            if count:
                status, _ = client.uid("MOVE", b",".join(chunk[at : at + count]).decode(), target)
                assert status == "OK", status
            at += count
    client.logout()


def append_all(server: Dovecot, raws: list[bytes], folder: str) -> None:
    """APPEND the messages to `folder`; INBOX is first emptied of what a previous run left (newsletters)."""
    box = MailBoxUnencrypted(server.host, server.port, timeout=30)
    box.login(server.user, server.password)
    for name in (folder, "Vus"):
        if not box.folder.exists(name):
            box.folder.create(name)
    if folder == "INBOX" and (left := box.uids()):
        box.move(left, "Vus")
    box.folder.set(folder)
    for raw in raws:
        box.append(raw, folder)
    box.logout()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--invitees", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if dovecot_binary() is None:
        raise SystemExit("dovecot is not installed: apt-get install dovecot-imapd")
    with tempfile.TemporaryDirectory(prefix="bench-dovecot-") as directory:
        server = Dovecot(Path(directory))
        server.start()
        try:
            result = run(server, args)
        finally:
            server.stop()
    print(json.dumps(result))


def run(server: Dovecot, args: argparse.Namespace) -> dict[str, object]:
    with _dataset.bench_app("bench-mailbox-", **server.config()) as app, app.app_context():
        siren = _dataset.convocation_territory(args.invitees)
        db.session.commit()
        meeting = db.session.get(Meeting, create_meetings(siren, 1)[0])
        assert meeting is not None
        convoke(meeting, MailContext.from_config(app.config))
        db.session.commit()
        raws, noise = build_messages(meeting, args.messages)
        append_all(server, raws, BASELINE_FOLDER)
        settings = ImapSettings.from_config(app.config)
        assert settings is not None
        inbox = inbox_settings(app.config)
        database = _dataset.dialect_name()
        project_runs: list[float] = []
        baseline_runs: list[float] = []
        steps: list[dict[str, float]] = []
        floor_runs: list[float] = []
        for _ in range(args.repeat):
            db.session.execute(delete(ReceivedMail))
            db.session.execute(delete(MailboxPoll))
            db.session.execute(update(OutboxMessage).values(state=DeliveryState.ENVOYE))
            db.session.commit()
            append_all(server, raws, "INBOX")
            started = time.perf_counter()
            report = poll(settings, inbox, force=True)
            project_runs.append(time.perf_counter() - started)
            steps.append(report.seconds)
            handled = db.session.scalar(select(func.count()).select_from(ReceivedMail))
            assert report.fetched == args.messages, report.summary()
            assert handled == args.messages - noise - report.already, report.summary()
            assert server.count("INBOX") == noise
            started = time.perf_counter()
            size = baseline(server)
            baseline_runs.append(time.perf_counter() - started)
            assert size > 0
            append_all(server, raws, "Plancher")
            started = time.perf_counter()
            # The same shares as the poll files: per mille of handled and to-read messages.
            handled_share = (
                1000 * (handled - report.by_status.get(ReceivedStatus.TO_READ, 0)) // args.messages
            )
            to_read_share = 1000 * report.by_status.get(ReceivedStatus.TO_READ, 0) // args.messages
            fetch_and_move(
                server, "Plancher", {"Plancher/Traites": handled_share, "Plancher/A-lire": to_read_share}
            )
            floor_runs.append(time.perf_counter() - started)
        project_s = statistics.median(project_runs)
        baseline_s = statistics.median(baseline_runs)
        return {
            "messages": args.messages,
            "handled": handled,
            "left_untouched": noise,
            "summary": report.summary(),
            "project_s": round(project_s, 3),
            "baseline_s": round(baseline_s, 3),
            "ratio": round(project_s / baseline_s, 2),
            "ratio_of_minima": round(min(project_runs) / min(baseline_runs), 2),
            # imaplib alone fetching and moving the same messages: what any client pays the server.
            "imap_floor_s": round(statistics.median(floor_runs), 3),
            "imap_floor_ratio": round(statistics.median(floor_runs) / baseline_s, 2),
            # Median seconds of each step of the poll, to read beside baseline_s.
            "project_steps_s": {
                step: round(statistics.median(run.get(step, 0.0) for run in steps), 3) for step in steps[0]
            },
            "project_runs_s": [round(t, 3) for t in project_runs],
            "baseline_runs_s": [round(t, 3) for t in baseline_runs],
            "repeat": args.repeat,
            "database": database,
        }


if __name__ == "__main__":
    main()
