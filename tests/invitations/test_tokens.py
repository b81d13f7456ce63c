"""Personal answer links (invitations/tokens.py): signed for one invitation and its meeting, refused when
altered, signed with another key or salt, malformed, or older than the hard ceiling."""

from __future__ import annotations

import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from concertation.invitations.tokens import (
    MAX_AGE_SECONDS,
    SALT,
    InvalidToken,
    TokenClaims,
    make_token,
    read_token,
    rsvp_url,
)
from concertation.notifications.emails import MailContext

SECRET = "clé-secrète-de-test"


def _signed(payload: object, *, secret: str = SECRET, salt: str = SALT, age: int = 0) -> str:
    """A token as itsdangerous would have written it `age` seconds ago."""

    class Signer(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - age

    return URLSafeTimedSerializer(secret, salt=salt, signer=Signer).dumps(payload)


def test_a_token_reads_back_as_its_invitation_and_meeting() -> None:
    token = make_token(SECRET, 42, 7)
    assert read_token(SECRET, token) == TokenClaims(invitation_id=42, meeting_id=7)
    # URL-safe: it goes into /r/<token> as it is.
    assert all(ch.isalnum() or ch in "-_." for ch in token)


def test_each_invitation_gets_its_own_token() -> None:
    assert make_token(SECRET, 1, 7) != make_token(SECRET, 2, 7)
    assert make_token(SECRET, 1, 7) != make_token(SECRET, 1, 8)


def test_an_altered_token_is_refused() -> None:
    token = make_token(SECRET, 42, 7)
    # payload.timestamp.signature: another invitation's payload under this token's signature.
    signed = token.partition(".")[2]
    other = make_token(SECRET, 43, 7).partition(".")[0]
    for altered in (f"{other}.{signed}", token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), "", "abc"):
        with pytest.raises(InvalidToken) as raised:
            read_token(SECRET, altered)
        assert not raised.value.expired
        assert str(raised.value) == "Ce lien de réponse n'est pas valide."


def test_a_token_of_another_key_or_salt_is_refused() -> None:
    with pytest.raises(InvalidToken):
        read_token(SECRET, make_token("une-autre-clé", 42, 7))
    with pytest.raises(InvalidToken):
        read_token(SECRET, _signed({"i": 42, "m": 7}, salt="concertation.autre.v1"))


@pytest.mark.parametrize(
    "payload", [[42, 7], "42", {"i": 42}, {"m": 7}, {"i": "42", "m": 7}, {"i": 42, "m": 7.0}, None]
)
def test_a_well_signed_token_of_the_wrong_shape_is_refused(payload: object) -> None:
    with pytest.raises(InvalidToken) as raised:
        read_token(SECRET, _signed(payload))
    assert not raised.value.expired


def test_a_token_older_than_the_ceiling_has_expired() -> None:
    assert read_token(SECRET, _signed({"i": 1, "m": 2}, age=MAX_AGE_SECONDS - 60)) == TokenClaims(1, 2)
    with pytest.raises(InvalidToken) as raised:
        read_token(SECRET, _signed({"i": 1, "m": 2}, age=MAX_AGE_SECONDS + 60))
    assert raised.value.expired
    assert str(raised.value) == "Ce lien de réponse a expiré."


def test_rsvp_url_is_under_the_public_address() -> None:
    ctx = MailContext(
        public_url="https://concertation.lozere.fr",
        host="concertation.lozere.fr",
        sender_email="concertation@lozere.fr",
        organiser_name="Département de la Lozère",
        organiser_email="economie@lozere.fr",
        secret_key=SECRET,
    )
    url = rsvp_url(ctx, 42, 7)
    prefix = "https://concertation.lozere.fr/r/"
    assert url.startswith(prefix)
    assert read_token(SECRET, url.removeprefix(prefix)) == TokenClaims(42, 7)
