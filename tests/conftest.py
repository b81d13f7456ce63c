"""Shared fixtures: the app from the factory, a database built by the migrations, a real SMTP server."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from concertation import create_app
from concertation.accounts.models import User, UserRole
from concertation.extensions import db
from config import TestConfig
from tests.common.database import database_url_in, private_postgres_database, wipe
from tests.common.db import accounts
from tests.common.http import log_in
from tests.common.slapd import Slapd, running_slapd, slapd_available
from tests.common.smtp import SmtpSink, free_port


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A database whose schema comes from the migrations, built once per test session."""
    from flask_migrate import upgrade

    with tempfile.TemporaryDirectory(prefix="concertation-test-") as tmp, ExitStack() as stack:
        url = database_url_in(Path(tmp))
        if url.startswith("postgresql"):
            url = stack.enter_context(private_postgres_database(url))
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, INSTANCE_PATH=tmp)
        with app.app_context():
            upgrade()
            db.engine.dispose()
        yield url


@pytest.fixture()
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """A fresh app from the factory, on a clean database."""
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=database_url,
        MAIL_CATCHER_DIR=str(tmp_path / "mail"),
    )
    with app.app_context():
        # The migrations seed the default composition rules; every test starts from them.
        from concertation.meetings.composition import ensure_default_rules

        ensure_default_rules()
        db.session.commit()
        yield app
        wipe()
        db.engine.dispose()


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def lozere(app: Flask) -> None:
    """The shipped Lozère reference data (communes, EPCIs, cantons, sectors)."""
    from concertation.territory.importer import load_lozere

    load_lozere()
    db.session.commit()


@pytest.fixture()
def make_user(app: Flask) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def factory(role: UserRole = UserRole.ORGANISATEUR, email: str | None = None) -> User:
        return accounts.user(email or f"agent{next(counter)}@lozere.fr", role)

    return factory


@pytest.fixture()
def login(client: FlaskClient, make_user: Callable[..., User]) -> Callable[..., User]:
    """Log the test client in with a new account of the given role, through the real login form."""

    def do_login(role: UserRole = UserRole.ORGANISATEUR) -> User:
        user = make_user(role)
        log_in(client, user.email)
        return user

    return do_login


@pytest.fixture()
def api_token(app: Flask, make_user: Callable[..., User]) -> Callable[..., str]:
    from concertation.accounts.services import issue_api_token

    def factory(role: UserRole = UserRole.ORGANISATEUR) -> str:
        user = make_user(role)
        token = issue_api_token(user)
        db.session.commit()
        return token

    return factory


@pytest.fixture()
def smtp_server(app: Flask) -> Iterator[SmtpSink]:
    """aiosmtpd on 127.0.0.1; the app is pointed at it."""
    port = free_port()
    sink = SmtpSink("127.0.0.1", port)
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SUPPRESS_SEND=False)
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture()
def live_server(app: Flask) -> Iterator[str]:
    """The test app served over HTTP on loopback, in a thread; its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app.config.update(PUBLIC_URL=base, SERVER_NAME=None)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        thread.join(10)


# The directory (a real slapd), for the account tests and the directory browser test.
@pytest.fixture(scope="session")
def slapd_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Slapd]:
    if not slapd_available():
        pytest.skip("slapd or ldapadd missing: apt-get install slapd ldap-utils (.ci/run installs them)")
    with running_slapd(tmp_path_factory.mktemp("slapd")) as server:
        yield server


@pytest.fixture()
def directory(app: Flask, slapd_server: Slapd) -> Iterator[Slapd]:
    """The app pointed at the directory; the group memberships are restored after the test."""
    app.config.update(slapd_server.settings())
    yield slapd_server
    slapd_server.restore()
    app.config.update(LDAP_URL="")
