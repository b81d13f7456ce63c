"""Personal links signed with the app's secret key: a token naming two ids, refused when altered, of
another salt or key, of the wrong shape, or older than a ceiling.

The invitation answer links (invitations/tokens.py) and the poll links (polls/tokens.py) are two users:
each keeps its salt, its two payload keys and its exception (the French noun of its messages), so that
the tokens already sent keep reading back and each page catches only its own kind of link.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class InvalidSignedLink(Exception):
    """The link was altered, belongs to nobody, or is too old. Subclasses name the link ("réponse")."""

    noun: ClassVar[str] = "lien"

    def __init__(self, expired: bool = False) -> None:
        self.expired = expired
        super().__init__(
            f"Ce lien de {self.noun} a expiré." if expired else f"Ce lien de {self.noun} n'est pas valide."
        )


@dataclass(frozen=True)
class SignedIds:
    """Tokens carrying two ids under two short payload keys (`{"i": 42, "m": 7}`), with their own salt."""

    salt: str
    keys: tuple[str, str]
    invalid: type[InvalidSignedLink]

    def _serializer(self, secret_key: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(secret_key, salt=self.salt)

    def make(self, secret_key: str, first: int, second: int) -> str:
        return self._serializer(secret_key).dumps({self.keys[0]: first, self.keys[1]: second})

    def read(self, secret_key: str, token: str, *, max_age: int) -> tuple[int, int]:
        """The two ids of a token signed at most `max_age` seconds ago; else raises `self.invalid`."""
        try:
            data = self._serializer(secret_key).loads(token, max_age=max_age)
        except SignatureExpired:
            raise self.invalid(expired=True) from None
        except BadSignature:
            raise self.invalid() from None
        if not isinstance(data, dict) or not all(isinstance(data.get(key), int) for key in self.keys):
            raise self.invalid()
        return data[self.keys[0]], data[self.keys[1]]
