"""What the current request is, for the code below the API that must answer it in its own format."""

from __future__ import annotations

from flask import request


def is_api_request() -> bool:
    """True for any address under /api/, this version's or not."""
    return request.path == "/api" or request.path.startswith("/api/")
