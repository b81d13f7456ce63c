"""Personal answer links: signed, bound to one invitation and its meeting, closed after the meeting.

The invitation emails and reminders write them (`rsvp_url`), the answer pages read them (`read_token`).
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from concertation.notifications.emails import MailContext

SALT = "concertation.rsvp.v1"
# A hard ceiling on top of the meeting-based closing, in case a meeting is moved far into the future.
MAX_AGE_SECONDS = 2 * 365 * 24 * 3600


@dataclass(frozen=True)
class TokenClaims:
    invitation_id: int
    meeting_id: int


class InvalidToken(Exception):
    """The link was altered, belongs to nobody, or is too old."""

    def __init__(self, expired: bool = False) -> None:
        self.expired = expired
        super().__init__(
            "Ce lien de réponse a expiré." if expired else "Ce lien de réponse n'est pas valide."
        )


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def make_token(secret_key: str, invitation_id: int, meeting_id: int) -> str:
    return _serializer(secret_key).dumps({"i": invitation_id, "m": meeting_id})


def rsvp_url(ctx: MailContext, invitation_id: int, meeting_id: int) -> str:
    """The personal answer link of one invitation, under the service's public address."""
    return f"{ctx.public_url}/r/{make_token(ctx.secret_key, invitation_id, meeting_id)}"


def read_token(secret_key: str, token: str) -> TokenClaims:
    try:
        data = _serializer(secret_key).loads(token, max_age=MAX_AGE_SECONDS)
    except SignatureExpired:
        raise InvalidToken(expired=True) from None
    except BadSignature:
        raise InvalidToken() from None
    if not isinstance(data, dict) or not isinstance(data.get("i"), int) or not isinstance(data.get("m"), int):
        raise InvalidToken()
    return TokenClaims(invitation_id=data["i"], meeting_id=data["m"])
