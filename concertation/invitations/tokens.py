"""Personal answer links: signed, bound to one invitation and its meeting, closed after the meeting.

The invitation emails and reminders write them (`rsvp_url`), the answer pages read them (`read_token`).
"""

from __future__ import annotations

from dataclasses import dataclass

from concertation.core.signed_links import InvalidSignedLink, SignedIds
from concertation.notifications.emails import MailContext

SALT = "concertation.rsvp.v1"
# A hard ceiling on top of the meeting-based closing, in case a meeting is moved far into the future.
MAX_AGE_SECONDS = 2 * 365 * 24 * 3600


@dataclass(frozen=True)
class TokenClaims:
    invitation_id: int
    meeting_id: int


class InvalidToken(InvalidSignedLink):
    """The link was altered, belongs to nobody, or is too old."""

    noun = "réponse"


# "i" and "m" are in every link already sent: they stay.
_LINKS = SignedIds(salt=SALT, keys=("i", "m"), invalid=InvalidToken)


def make_token(secret_key: str, invitation_id: int, meeting_id: int) -> str:
    return _LINKS.make(secret_key, invitation_id, meeting_id)


def rsvp_url(ctx: MailContext, invitation_id: int, meeting_id: int) -> str:
    """The personal answer link of one invitation, under the service's public address."""
    return f"{ctx.public_url}/r/{make_token(ctx.secret_key, invitation_id, meeting_id)}"


def read_token(secret_key: str, token: str) -> TokenClaims:
    invitation_id, meeting_id = _LINKS.read(secret_key, token, max_age=MAX_AGE_SECONDS)
    return TokenClaims(invitation_id=invitation_id, meeting_id=meeting_id)
