"""Signed two-id links (core/signed_links.py): what both the answer links and the poll links rely on."""

from __future__ import annotations

import pytest
from itsdangerous import URLSafeTimedSerializer

from concertation.core.signed_links import InvalidSignedLink, SignedIds
from concertation.invitations.tokens import SALT as RSVP_SALT
from concertation.invitations.tokens import InvalidToken, make_token
from concertation.polls.tokens import SALT as POLL_SALT
from concertation.polls.tokens import InvalidPollToken, PollTokenClaims, make_poll_token, read_poll_token

SECRET = "clé-secrète-de-test"


class InvalidThing(InvalidSignedLink):
    noun = "chose"


LINKS = SignedIds(salt="concertation.test.v1", keys=("a", "b"), invalid=InvalidThing)


def test_a_token_reads_back_as_its_two_ids() -> None:
    assert LINKS.read(SECRET, LINKS.make(SECRET, 3, 4), max_age=60) == (3, 4)


def test_the_messages_name_the_link() -> None:
    assert str(InvalidThing()) == "Ce lien de chose n'est pas valide."
    assert str(InvalidThing(expired=True)) == "Ce lien de chose a expiré."
    assert str(InvalidPollToken()) == "Ce lien de sondage n'est pas valide."
    assert str(InvalidPollToken(expired=True)) == "Ce lien de sondage a expiré."


def test_a_token_of_another_salt_or_keys_is_refused() -> None:
    other_keys = SignedIds(salt=LINKS.salt, keys=("x", "y"), invalid=InvalidThing)
    with pytest.raises(InvalidThing) as raised:
        LINKS.read(SECRET, other_keys.make(SECRET, 3, 4), max_age=60)
    assert not raised.value.expired
    with pytest.raises(InvalidThing):
        LINKS.read(SECRET, make_token(SECRET, 3, 4), max_age=60)


def test_an_expired_token_says_so() -> None:
    with pytest.raises(InvalidThing) as raised:
        LINKS.read(SECRET, LINKS.make(SECRET, 3, 4), max_age=-1)
    assert raised.value.expired


def test_answer_and_poll_links_stay_apart() -> None:
    """Distinct salts and exceptions: a poll link is no answer link, and each page catches only its own."""
    assert RSVP_SALT != POLL_SALT
    assert not issubclass(InvalidToken, InvalidPollToken) and not issubclass(InvalidPollToken, InvalidToken)
    assert read_poll_token(SECRET, make_poll_token(SECRET, 5, 6)) == PollTokenClaims(5, 6)
    with pytest.raises(InvalidPollToken):
        read_poll_token(SECRET, make_token(SECRET, 5, 6))


def test_poll_tokens_keep_their_payload_keys() -> None:
    """Links already sent carry {"r": recipient, "p": poll} under the poll salt: they must still read."""
    sent = URLSafeTimedSerializer(SECRET, salt=POLL_SALT).dumps({"r": 8, "p": 9})
    assert read_poll_token(SECRET, sent) == PollTokenClaims(recipient_id=8, poll_id=9)
