"""Logging in through the real form, from a chosen source address."""

from __future__ import annotations

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.common.http import csrf_token


def post_login(
    client: FlaskClient, email: str, password: str, *, source: str = "127.0.0.1", remember: bool = False
) -> TestResponse:
    environ = {"REMOTE_ADDR": source}
    token = csrf_token(client, "/connexion")
    data = {"email": email, "password": password, "csrf_token": token}
    if remember:
        data["remember"] = "y"
    return client.post("/connexion", data=data, environ_base=environ)


def page_form_token(client: FlaskClient, url: str = "/") -> str:
    return csrf_token(client, url)
