"""Shared fixtures: the app from the factory, a database built by the migrations, a real SMTP server."""

from __future__ import annotations

import os
import re
import socket
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text
from werkzeug.serving import make_server

from concertation import create_app
from concertation.accounts.models import User, UserRole
from concertation.accounts.services import create_user
from concertation.extensions import db
from config import TestConfig

TEST_PASSWORD = "mot-de-passe-de-test"


def _database_url(tmp_dir: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return url
    return f"sqlite:///{tmp_dir / 'test.db'}"


@contextmanager
def _private_postgres_database(url: str) -> Iterator[str]:
    """A throw-away database next to the one TEST_DATABASE_URL names, so concurrent runs never collide."""
    base = make_url(url)
    name = f"concertation_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A database whose schema comes from the migrations, built once per test session."""
    from flask_migrate import upgrade

    with tempfile.TemporaryDirectory(prefix="concertation-test-") as tmp, ExitStack() as stack:
        url = _database_url(Path(tmp))
        if url.startswith("postgresql"):
            url = stack.enter_context(_private_postgres_database(url))
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, INSTANCE_PATH=tmp)
        with app.app_context():
            upgrade()
            db.engine.dispose()
        yield url


def _wipe() -> None:
    """Empty every table so that the next test starts from a clean database.

    The version counters stay, one step further: ids are reused by the next test, and a review cached
    under an old version must not be served for a new meeting with the same id.
    """
    db.session.remove()
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name != "data_version"]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())
        connection.execute(text("UPDATE data_version SET value = value + 1"))


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
        _wipe()
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


def csrf_token(client: FlaskClient, url: str) -> str:
    """The CSRF token of the form on a page, as a browser would read it."""
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


@pytest.fixture()
def make_user(app: Flask) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def factory(role: UserRole = UserRole.ORGANISATEUR, email: str | None = None) -> User:
        user = create_user(email or f"agent{next(counter)}@lozere.fr", TEST_PASSWORD, role)
        db.session.commit()
        return user

    return factory


@pytest.fixture()
def login(client: FlaskClient, make_user: Callable[..., User]) -> Callable[..., User]:
    """Log the test client in with a new account of the given role, through the real login form."""

    def do_login(role: UserRole = UserRole.ORGANISATEUR) -> User:
        user = make_user(role)
        token = csrf_token(client, "/connexion")
        response = client.post(
            "/connexion", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 303, response.get_data(as_text=True)
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


@dataclass
class SmtpSink:
    """A real SMTP server on loopback that keeps every message it accepts."""

    host: str
    port: int
    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Recipients for which the server answers a permanent failure (e.g. "550 ...").
    reject: dict[str, str] = field(default_factory=dict)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]  # noqa: N802
        if address.lower() in self.reject:
            return self.reject[address.lower()]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        with self.lock:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
