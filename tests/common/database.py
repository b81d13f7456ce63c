"""The test database: where it lives, a private PostgreSQL database per run, and the wipe between tests."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from concertation.extensions import db


def database_url_in(tmp_dir: Path) -> str:
    """TEST_DATABASE_URL (PostgreSQL, with the psycopg 3 driver), or an SQLite file in `tmp_dir`."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return url
    return f"sqlite:///{tmp_dir / 'test.db'}"


@contextmanager
def private_postgres_database(url: str) -> Iterator[str]:
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


def wipe() -> None:
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
