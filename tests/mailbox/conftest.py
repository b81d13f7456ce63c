"""A Dovecot per test, the app pointed at it; skipped with a reason only when Dovecot is not installed."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.common.dovecot import Dovecot, dovecot_binary


@pytest.fixture()
def dovecot(app: Flask) -> Iterator[Dovecot]:
    if dovecot_binary() is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd): no real IMAP server")
    # Not under pytest's tmp_path: its parents are private to root, and Dovecot serves as `mail`.
    with tempfile.TemporaryDirectory(prefix="concertation-dovecot-") as directory:
        server = Dovecot(Path(directory))
        server.start()
        app.config.update(server.config())
        try:
            yield server
        finally:
            server.stop()
