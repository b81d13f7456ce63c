"""Personal poll links: signed, bound to one poll recipient and its poll.

The poll emails and Q's reminders write them (`poll_url`), the élu's poll page reads them (`read_poll_token`).
A link of one poll cannot answer another: the page checks that the recipient belongs to the poll it names.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

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


class InvalidPollToken(Exception):
    """The link was altered, belongs to nobody, or is too old."""

    def __init__(self, expired: bool = False) -> None:
        self.expired = expired
        super().__init__(
            "Ce lien de sondage a expiré." if expired else "Ce lien de sondage n'est pas valide."
        )


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def make_poll_token(secret_key: str, recipient_id: int, poll_id: int) -> str:
    return _serializer(secret_key).dumps({"r": recipient_id, "p": poll_id})


def poll_url(ctx: MailContext, recipient_id: int, poll_id: int) -> str:
    """The personal poll link of one recipient, under the service's public address."""
    return f"{ctx.public_url}{URL_PREFIX}{make_poll_token(ctx.secret_key, recipient_id, poll_id)}"


def read_poll_token(secret_key: str, token: str) -> PollTokenClaims:
    try:
        data = _serializer(secret_key).loads(token, max_age=MAX_AGE_SECONDS)
    except SignatureExpired:
        raise InvalidPollToken(expired=True) from None
    except BadSignature:
        raise InvalidPollToken() from None
    if not isinstance(data, dict) or not isinstance(data.get("r"), int) or not isinstance(data.get("p"), int):
        raise InvalidPollToken()
    return PollTokenClaims(recipient_id=data["r"], poll_id=data["p"])
