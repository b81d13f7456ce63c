"""MAIL_BOUNCE_ADDRESS: each email's envelope sender names its outbox row, so that a bounce returning
none of the failed message's headers still finds it."""

from __future__ import annotations

from email.utils import format_datetime

from flask import Flask
from sqlalchemy import select

from concertation.core.timeutils import now_utc
from concertation.extensions import db
from concertation.invitations.inbox_models import ReceivedMail
from concertation.notifications.models import DeliveryState, OutboxMessage
from tests.common.dovecot import Dovecot
from tests.common.mailbox import convoked_and_sent, poll
from tests.common.smtp import SmtpSink


def _headerless_bounce(to: str, final_recipient: str) -> bytes:
    """A report about a forwarded address, to the envelope sender, with no returned headers."""
    lines = [
        "From: Mail Delivery System <MAILER-DAEMON@relais.example>",
        f"To: {to}",
        "Subject: Undelivered Mail Returned to Sender",
        f"Date: {format_datetime(now_utc())}",
        "Message-ID: <rebond-1@relais.example>",
        "MIME-Version: 1.0",
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
        "",
        "--b",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "Your message could not be delivered.",
        "--b",
        "Content-Type: message/delivery-status",
        "",
        "Reporting-MTA: dns; relais.example",
        "",
        f"Final-Recipient: rfc822; {final_recipient}",
        "Action: failed",
        "Status: 5.2.1",
        "Diagnostic-Code: smtp; 550 5.2.1 Mailbox disabled",
        "",
        "--b--",
        "",
    ]
    return "\r\n".join(lines).encode()


def test_envelope_sender_names_the_message_and_a_headerless_bounce_is_matched(
    app: Flask, lozere: None, smtp_server: SmtpSink, dovecot: Dovecot
) -> None:
    app.config["MAIL_BOUNCE_ADDRESS"] = "rebonds@lozere.fr"
    meeting, emailed = convoked_and_sent(app)
    sent = db.session.scalars(select(OutboxMessage).where(OutboxMessage.meeting_id == meeting.id)).all()
    by_recipient = {message.recipient_email.lower(): message for message in sent}
    for mail_from, recipients, _raw in smtp_server.messages:
        assert len(recipients) == 1
        assert mail_from == f"rebonds+{by_recipient[recipients[0].lower()].id}@lozere.fr"

    failed = by_recipient[(emailed[2].email or "").lower()]
    # The maire's address forwards to an old one that no longer exists: only the envelope tells which.
    dovecot.append(_headerless_bounce(f"rebonds+{failed.id}@lozere.fr", "m.dupont@ancien-fai.example"))
    assert "1 traité" in poll(app)
    refreshed = db.session.get(OutboxMessage, failed.id)
    assert refreshed is not None and refreshed.state == DeliveryState.REFUSE
    assert refreshed.last_reply.startswith("5.2.1")
    row = db.session.scalars(select(ReceivedMail)).one()
    assert (row.outbox_message_id, row.invitation_id) == (failed.id, emailed[2].id)
    others = [m for m in sent if m.id != failed.id]
    assert all(m.state == DeliveryState.ENVOYE for m in others)
