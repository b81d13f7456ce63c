"""What every email of the service needs from the configuration: addresses, host, the organiser's contact.

The emails themselves are built by their domains (`invitations/emails.py`, `invitations/reminders.py`,
`minutes/diffusion.py`, `followup/`); each becomes an outbox row in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import parseaddr
from typing import Any

DEFAULT_UID_DOMAIN = "concertation.lozere.fr"

ORGANISER_CONTACT = {
    "service": "Direction de l'Aménagement du Territoire et de l'Économie",
    "phone": "04 66 49 66 50",
    "email": "economie@lozere.fr",
    "address": "Hôtel du Département, 4 rue de la Rovère, BP 24, 48001 Mende Cedex",
}


@dataclass(frozen=True)
class MailContext:
    """What building an email needs from the configuration (no Flask request involved)."""

    public_url: str
    host: str
    sender_email: str
    organiser_name: str
    organiser_email: str
    secret_key: str
    # The From: display name; the organiser's name when MAIL_DEFAULT_SENDER gives none.
    sender_name: str = ""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailContext:
        public_url = str(config["PUBLIC_URL"]).rstrip("/")
        # MAIL_DEFAULT_SENDER may be "Name <address>" (Flask-Mail's form) or a bare address.
        sender_name, sender_email = parseaddr(str(config["MAIL_DEFAULT_SENDER"]))
        return cls(
            public_url=public_url,
            # Not PUBLIC_URL's host: moving the site must not change the UIDs of sent invitations.
            host=str(config.get("CALENDAR_UID_DOMAIN") or config.get("MAIL_HOST") or DEFAULT_UID_DOMAIN),
            sender_email=sender_email or str(config["MAIL_DEFAULT_SENDER"]),
            organiser_name=str(config["ORGANIZER_NAME"]),
            organiser_email=str(config["ORGANIZER_EMAIL"]),
            secret_key=str(config["SECRET_KEY"]),
            sender_name=sender_name,
        )

    @property
    def sender(self) -> Address:
        """The From: mailbox, with a display name."""
        return Address(display_name=self.sender_name or self.organiser_name, addr_spec=self.sender_email)

    @property
    def reply_to(self) -> Address:
        """The Reply-To: mailbox: the organising direction."""
        return Address(display_name=self.organiser_name, addr_spec=self.organiser_email)
