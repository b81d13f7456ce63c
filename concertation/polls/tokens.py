"""Personal poll links: signed, bound to one poll recipient and its poll.

The poll emails and Q's reminders write them (`poll_url`), the élu's poll page reads them (`read_poll_token`).
A link of one poll cannot answer another: the page checks that the recipient belongs to the poll it names.
"""

from __future__ import annotations

from dataclasses import dataclass

from concertation.core.signed_links import InvalidSignedLink, SignedIds
from concertation.notifications.emails import MailContext

SALT = "concertation.poll.v1"
# The poll closes long before this; the ceiling only bounds a leaked link's life.
MAX_AGE_SECONDS = 365 * 24 * 3600
# Under SECRET_LINK_PREFIXES (core/headers.py): no Referer, rate-limited ("s" for "sondage").
URL_PREFIX = "/s/"


@dataclass(frozen=True)
class PollTokenClaims:
    recipient_id: int
    poll_id: int


class InvalidPollToken(InvalidSignedLink):
    """The link was altered, belongs to nobody, or is too old."""

    noun = "sondage"


# "r" and "p" are in every link already sent: they stay.
_LINKS = SignedIds(salt=SALT, keys=("r", "p"), invalid=InvalidPollToken)


def make_poll_token(secret_key: str, recipient_id: int, poll_id: int) -> str:
    return _LINKS.make(secret_key, recipient_id, poll_id)


def poll_url(ctx: MailContext, recipient_id: int, poll_id: int) -> str:
    """The personal poll link of one recipient, under the service's public address."""
    return f"{ctx.public_url}{URL_PREFIX}{make_poll_token(ctx.secret_key, recipient_id, poll_id)}"


def read_poll_token(secret_key: str, token: str) -> PollTokenClaims:
    recipient_id, poll_id = _LINKS.read(secret_key, token, max_age=MAX_AGE_SECONDS)
    return PollTokenClaims(recipient_id=recipient_id, poll_id=poll_id)
