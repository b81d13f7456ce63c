"""Log lines as one JSON object each (or readable text in development), stamped with the current context.

The context (a request id, a job run) lives in a contextvar and is copied onto every record by
`ContextFilter`, so that a line logged deep inside a service still says which request or job wrote it.
`configure_logging` installs the handler for the app and the scheduler; `gunicorn_logconfig` gives
gunicorn the same handler, so that its own lines and the app's share one format.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

# What the current request or job adds to every log line: {"request_id": ...} or {"job": ..., ...}.
_log_context: ContextVar[Mapping[str, Any] | None] = ContextVar("concertation_log_context", default=None)

# Attributes every LogRecord has: anything else on a record came from `extra=` and is logged as a field.
_RECORD_ATTRIBUTES = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__.keys() | {"message", "asctime", "taskName"}
)
_CONTEXT_KEYS = ("request_id", "job", "job_run")


# ------------------------------------------------------------------------------------------- formatting


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Add `fields` (request_id, job, ...) to every log line emitted inside the block."""
    token = _log_context.set({**(_log_context.get() or {}), **fields})
    try:
        yield
    finally:
        _log_context.reset(token)


class ContextFilter(logging.Filter):
    """Stamps each record with the current request id or job, so that every handler can print them."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in (_log_context.get() or {}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


def _extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {
        key: value
        for key, value in record.__dict__.items()
        if key not in _RECORD_ATTRIBUTES and not key.startswith("_")
    }


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, then the context and `extra=` fields."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        payload.update(_extra_fields(record))
        if record.exc_info:
            payload["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            payload["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """A readable line for development: time, level, [request id or job], logger, message."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(context)s%(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        parts = [str(getattr(record, key)) for key in _CONTEXT_KEYS if getattr(record, key, None)]
        # Set for this format only: `context` is not a LogRecord attribute, hence setattr.
        setattr(record, "context", f"[{' '.join(parts)}] " if parts else "")  # noqa: B010
        try:
            return super().format(record)
        finally:
            delattr(record, "context")


class LogHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler the application installs on the root logger: stderr, with the context filter."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        super().__init__(stream if stream is not None else sys.stderr)
        self.addFilter(ContextFilter())


def log_format(environ: Mapping[str, str] | None = None) -> str:
    """`json` or `text`: LOG_FORMAT, else json in production and text elsewhere."""
    environ = os.environ if environ is None else environ
    chosen = environ.get("LOG_FORMAT", "").strip().lower()
    if chosen in ("json", "text"):
        return chosen
    return "json" if environ.get("CONCERTATION_ENV") == "production" else "text"


def configure_logging(
    fmt: str | None = None, *, level: str | int | None = None, stream: IO[str] | None = None
) -> None:
    """Install one `LogHandler` on the root logger; an earlier one of ours is replaced.

    Without arguments it only fills a gap: if the root logger already has a handler (gunicorn's
    configuration from gunicorn.conf.py, the scheduler's), that configuration is kept as it is.
    """
    root = logging.getLogger()
    if root.handlers and fmt is None and stream is None:
        return
    ours = [h for h in root.handlers if isinstance(h, LogHandler)]
    for handler in ours:
        root.removeHandler(handler)
    handler = LogHandler(stream)
    handler.setFormatter(JsonFormatter() if (fmt or log_format()) == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(level or os.environ.get("LOG_LEVEL", "INFO").upper())


def gunicorn_logconfig(fmt: str | None = None) -> dict[str, Any]:
    """gunicorn's `logconfig_dict`: its own messages and the app's share one handler; no access log."""
    formatter = JsonFormatter if (fmt or log_format()) == "json" else TextFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"app": {"()": f"{__name__}.{formatter.__name__}"}},
        "handlers": {"app": {"class": f"{__name__}.LogHandler", "formatter": "app"}},
        "root": {"level": os.environ.get("LOG_LEVEL", "INFO").upper(), "handlers": ["app"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        },
    }
