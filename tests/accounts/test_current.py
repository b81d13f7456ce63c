"""signed_in_user(): the account of a page behind a login, and a loud error anywhere else."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask_login import login_user

from concertation.accounts.current import signed_in_user
from concertation.accounts.models import User, UserRole


def test_the_signed_in_account_is_returned(app: Flask, make_user: Callable[..., User]) -> None:
    organiser = make_user(UserRole.ORGANISATEUR)
    with app.test_request_context("/reunions/"):
        login_user(organiser)
        assert signed_in_user() is organiser


def test_an_anonymous_visitor_is_a_programming_error_not_a_none(app: Flask) -> None:
    with app.test_request_context("/"), pytest.raises(RuntimeError, match="requires a login"):
        signed_in_user()
