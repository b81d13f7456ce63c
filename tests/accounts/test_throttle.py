"""Throttling that cannot be turned against users, shared through the database."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from sqlalchemy import select

from concertation import create_app
from concertation.accounts import throttle
from concertation.accounts.models import User, UserRole
from concertation.core.timeutils import now_utc
from concertation.extensions import db
from config import TestConfig
from tests.common.db.accounts import TEST_PASSWORD
from tests.common.login import post_login

ATTACKER = "203.0.113.66"
GENERIC = "Adresse électronique ou mot de passe incorrect."


def test_twenty_wrong_admin_passwords_do_not_stop_the_admin_elsewhere(
    app: Flask, make_user: Callable[..., User]
) -> None:
    admin = make_user(UserRole.ADMIN)
    attacker = app.test_client()
    statuses = [
        post_login(attacker, admin.email, f"essai-{n}", source=ATTACKER).status_code for n in range(20)
    ]
    assert set(statuses) <= {401, 429}
    assert 429 in statuses  # the attacker is slowed down...
    response = post_login(app.test_client(), admin.email, TEST_PASSWORD, source="192.0.2.10")
    assert response.status_code == 303  # ...the admin is not


def test_spraying_many_addresses_from_one_source_is_slowed_early(app: Flask) -> None:
    client = app.test_client()
    first_429 = None
    for n in range(100):
        response = post_login(client, f"agent{n}@lozere.fr", "mot-de-passe-au-hasard", source=ATTACKER)
        if response.status_code == 429:
            first_429 = n + 1
            assert int(response.headers["Retry-After"]) >= 1
            assert "Trop de tentatives" in response.get_data(as_text=True)
            break
        assert response.status_code == 401
    assert first_429 is not None and first_429 <= 20


def test_the_delay_doubles_and_never_becomes_a_lock(app: Flask) -> None:
    limits = throttle.LoginLimits(free_per_source=10, free_per_account=3, base_seconds=1, max_seconds=900)
    assert [limits.delay(n, 3) for n in range(1, 9)] == [0, 0, 0, 1, 2, 4, 8, 16]
    assert limits.delay(1000, 3) == 900


def test_one_message_for_a_wrong_address_or_password(app: Flask, make_user: Callable[..., User]) -> None:
    user = make_user(UserRole.ORGANISATEUR)
    unknown = post_login(app.test_client(), "personne@lozere.fr", "un-mot-de-passe", source="192.0.2.1")
    wrong = post_login(app.test_client(), user.email, "un-mot-de-passe", source="192.0.2.2")
    assert unknown.status_code == wrong.status_code == 401
    assert GENERIC in unknown.get_data(as_text=True) and GENERIC in wrong.get_data(as_text=True)


def test_the_limits_are_shared_by_every_worker(app: Flask, database_url: str) -> None:
    """Two applications (two gunicorn workers) on one database see the same counters."""
    slow = {"LOGIN_DELAY_BASE_SECONDS": 600}  # the second app takes more than the first delay to build
    app.config.update(slow)
    for n in range(11):
        post_login(app.test_client(), f"x{n}@lozere.fr", "faux-mot-de-passe", source=ATTACKER)
    other_worker = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url, **slow)
    response = post_login(other_worker.test_client(), "y@lozere.fr", "faux-mot-de-passe", source=ATTACKER)
    assert response.status_code == 429
    rows = db.session.scalars(select(throttle.Throttle)).all()
    assert any(row.key == f"ip:{ATTACKER}" for row in rows)
    assert not any("@" in row.key for row in rows)  # the addresses tried are not stored


def test_answer_links_and_feeds_are_limited_per_link(app: Flask) -> None:
    app.config.update(LINK_RATE_LIMIT=5, LINK_RATE_WINDOW_SECONDS=60)
    client = app.test_client()
    statuses = [client.get("/r/un-jeton-quelconque").status_code for _ in range(5)]
    assert statuses == [404] * 5  # an unknown token, answered as usual, up to the limit
    limited = client.get("/r/un-jeton-quelconque")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert client.get("/r/un-autre-jeton").status_code == 404  # another link has its own count
    for _ in range(5):
        client.get("/flux/personne/abc.ics")
    assert client.get("/flux/personne/abc.ics").status_code == 429


def test_the_window_starts_again(app: Flask) -> None:
    now = now_utc()
    assert [throttle.hit("/r/x", 2, 60, now) for _ in range(3)][-1] > 0
    from datetime import timedelta

    assert throttle.hit("/r/x", 2, 60, now + timedelta(seconds=61)) == 0
