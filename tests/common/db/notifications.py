"""Outbox factories: plain messages waiting for the sender."""

from __future__ import annotations

import email.policy

from concertation.extensions import db
from concertation.notifications.mime import build_simple_message
from concertation.notifications.models import MessageKind, OutboxMessage
from concertation.notifications.outbox import OutgoingEmail, enqueue_email


def outbox_messages(n: int, *, prefix: str = "elu") -> list[OutboxMessage]:
    """`n` committed outbox rows to elu0@example.org, elu1@..., each a real MIME message."""
    messages = []
    for i in range(n):
        to = f"{prefix}{i}@example.org"
        mid = f"<test-{prefix}-{i}@concertation.test>"
        msg = build_simple_message(
            sender="concertation@lozere.fr",
            reply_to="economie@lozere.fr",
            to_name=f"Élu n° {i}",
            to_email=to,
            subject=f"Message n° {i}",
            text_body="Bonjour,\nceci est un essai accentué : é à ç.\n",
            html_body="<p>Bonjour, essai accentué : é à ç.</p>",
            message_id=mid,
        )
        messages.append(
            enqueue_email(
                OutgoingEmail(
                    kind=MessageKind.OTHER,
                    recipient_email=to,
                    recipient_name=f"Élu n° {i}",
                    sender_email="concertation@lozere.fr",
                    subject=f"Message n° {i}",
                    message_id=mid,
                    raw=msg.as_bytes(policy=email.policy.SMTP),
                )
            )
        )
    db.session.commit()
    return messages
