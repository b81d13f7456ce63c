"""Fixtures of the account tests: the directory (a real slapd)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.accounts.slapd import Slapd, running_slapd, slapd_available


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
