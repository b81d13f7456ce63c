"""Configuration classes; every setting comes from the environment."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'concertation.db'}")
    # Heroku-style URLs name the driver "postgres"; SQLAlchemy needs the psycopg 3 dialect.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def followup_from_env(environ: Mapping[str, str] = os.environ) -> dict[str, int]:
    """The reminders' delays given in the environment (FOLLOWUP_*, read by followup.engine), as integers."""
    found: dict[str, int] = {}
    for name, raw in environ.items():
        if not name.startswith("FOLLOWUP_"):
            continue
        try:
            found[name] = int(raw)
        except ValueError:
            raise ValueError(f"{name} doit être un nombre entier (reçu : {raw!r}).") from None
    return found


class Config:
    """Production-safe defaults, overridden from the environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {"pool_pre_ping": True}
    TIMEZONE = os.environ.get("TIMEZONE", "Europe/Paris")
    PORT = int(os.environ.get("PORT", "5000"))
    PUBLIC_URL = os.environ.get("PUBLIC_URL", f"http://127.0.0.1:{os.environ.get('PORT', '5000')}")

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "8025"))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "concertation@lozere.fr")
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "10"))
    # The calendar ORGANIZER's name and the From: display name: the direction's full name, not its acronym.
    ORGANIZER_NAME = os.environ.get(
        "ORGANIZER_NAME",
        "Département de la Lozère – Direction de l'Aménagement du Territoire et de l'Économie",
    )
    ORGANIZER_EMAIL = os.environ.get("ORGANIZER_EMAIL", "economie@lozere.fr")
    # Who signs the paper letters, and where they are written from (empty: invitations/letters.py defaults).
    LETTER_SIGNATORY = os.environ.get("LETTER_SIGNATORY", "")
    LETTER_SIGNATORY_TITLE = os.environ.get("LETTER_SIGNATORY_TITLE", "")
    LETTER_PLACE = os.environ.get("LETTER_PLACE", "")
    # The host of calendar UIDs and Message-IDs ("meeting-42@<host>"). Stored with each meeting when its
    # invitations first go out: changing it (or PUBLIC_URL) later does not orphan the sent invitations.
    CALENDAR_UID_DOMAIN = os.environ.get("CALENDAR_UID_DOMAIN", "concertation.lozere.fr")
    # Envelope sender for bounces ("rebonds@lozere.fr" → "rebonds+<outbox id>@lozere.fr"); empty: From.
    MAIL_BOUNCE_ADDRESS = os.environ.get("MAIL_BOUNCE_ADDRESS", "")
    # The organiser's mailbox, read for calendar answers, bounces and replies (no host: not read).
    MAIL_IMAP_HOST = os.environ.get("MAIL_IMAP_HOST", "")
    MAIL_IMAP_PORT = int(os.environ.get("MAIL_IMAP_PORT", "0")) or None
    MAIL_IMAP_USER = os.environ.get("MAIL_IMAP_USER", "")
    MAIL_IMAP_PASSWORD = os.environ.get("MAIL_IMAP_PASSWORD", "")
    MAIL_IMAP_SSL = _bool("MAIL_IMAP_SSL", True)
    MAIL_IMAP_FOLDER = os.environ.get("MAIL_IMAP_FOLDER", "INBOX")
    MAIL_IMAP_TIMEOUT = float(os.environ.get("MAIL_IMAP_TIMEOUT", "30"))
    # Directory where the development SMTP catcher stores captured messages (.eml files).
    MAIL_CATCHER_DIR = os.environ.get("MAIL_CATCHER_DIR", str(INSTANCE_DIR / "mail"))

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    WTF_CSRF_TIME_LIMIT = None
    # Strict-Transport-Security (production only: the other configs set 0, i.e. no header).
    HSTS_MAX_AGE = int(os.environ.get("HSTS_MAX_AGE", str(365 * 24 * 3600)))
    # Failed logins: free failures per source address and per account from one source, then a delay
    # that doubles at each failure, up to the maximum (accounts/throttle.py); never a lock.
    LOGIN_FREE_FAILURES_PER_SOURCE = int(os.environ.get("LOGIN_FREE_FAILURES_PER_SOURCE", "10"))
    LOGIN_FREE_FAILURES_PER_ACCOUNT = int(os.environ.get("LOGIN_FREE_FAILURES_PER_ACCOUNT", "3"))
    LOGIN_DELAY_BASE_SECONDS = int(os.environ.get("LOGIN_DELAY_BASE_SECONDS", "1"))
    LOGIN_DELAY_MAX_SECONDS = int(os.environ.get("LOGIN_DELAY_MAX_SECONDS", "900"))
    # Requests per window on one answer link (/r/, /c/) or calendar feed (/flux/).
    LINK_RATE_LIMIT = int(os.environ.get("LINK_RATE_LIMIT", "30"))
    LINK_RATE_WINDOW_SECONDS = int(os.environ.get("LINK_RATE_WINDOW_SECONDS", "60"))
    # Days after a meeting's end during which its invitees' document links still work (then archived;
    # a cancelled meeting's documents are archived at once): invitations/documents.py.
    DOCUMENT_LINK_DAYS = int(os.environ.get("DOCUMENT_LINK_DAYS", "90"))
    # Proxies in front of gunicorn whose X-Forwarded-For is believed: the throttling and the audit trail
    # need the client's address, not the proxy's (1: the HTTPS reverse proxy of the production setup).
    TRUSTED_PROXY_HOPS = int(os.environ.get("TRUSTED_PROXY_HOPS", "1"))
    REMEMBER_DAYS = int(os.environ.get("REMEMBER_DAYS", "30"))
    API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", "90"))
    AUDIT_RETENTION_DAYS = int(os.environ.get("AUDIT_RETENTION_DAYS", "365"))
    # The Département's directory (accounts/directory.py); no LDAP_URL, no directory: local passwords.
    LDAP_URL = os.environ.get("LDAP_URL", "")
    LDAP_BIND_DN = os.environ.get("LDAP_BIND_DN", "")
    LDAP_BIND_PASSWORD = os.environ.get("LDAP_BIND_PASSWORD", "")
    LDAP_USER_BASE = os.environ.get("LDAP_USER_BASE", "")
    LDAP_USER_FILTER = os.environ.get("LDAP_USER_FILTER", "(mail={email})")
    LDAP_GROUP_BASE = os.environ.get("LDAP_GROUP_BASE", "")
    LDAP_GROUP_ROLES = os.environ.get("LDAP_GROUP_ROLES", "")
    # /api/v1/health is 503 once a job's last run started more than this many periods plus the margin ago.
    HEALTH_LATE_PERIODS = float(os.environ.get("HEALTH_LATE_PERIODS", "3"))
    HEALTH_LATE_MARGIN_SECONDS = float(os.environ.get("HEALTH_LATE_MARGIN_SECONDS", "60"))

    # Uploads (signed attendance sheets, contract documents) are refused above this size before parsing.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(25 * 1024 * 1024)))
    BOOTSTRAP_SERVE_LOCAL = True
    API_TITLE = "Concertation – API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    TESTING = False


for _name, _value in followup_from_env().items():
    setattr(Config, _name, _value)


class DevelopmentConfig(Config):
    """`make run`: a local HTTP server, so the session cookie cannot require HTTPS."""

    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    HSTS_MAX_AGE = 0
    TRUSTED_PROXY_HOPS = int(os.environ.get("TRUSTED_PROXY_HOPS", "0"))


class TestConfig(Config):
    """Tests: a database chosen by TEST_DATABASE_URL, SQLite file by default."""

    TESTING = True
    SECRET_KEY = "test-secret-key"  # noqa: S105 - tests only
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    HSTS_MAX_AGE = 0
    TRUSTED_PROXY_HOPS = 0
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    # Some tests open one answer link hundreds of times; tests/accounts/test_throttle.py sets its own limit.
    LINK_RATE_LIMIT = 100_000
    # Hashing stays argon2id but cheap: tests log in hundreds of times.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024


CONFIGS: dict[str, type[Config]] = {
    "production": Config,
    "development": DevelopmentConfig,
    "testing": TestConfig,
}


def config_from_env() -> type[Config]:
    """The config class named by CONCERTATION_ENV (development by default)."""
    return CONFIGS[os.environ.get("CONCERTATION_ENV", "development")]


def generated_secret() -> str:
    """A random secret for development when SECRET_KEY is unset."""
    return secrets.token_urlsafe(32)
