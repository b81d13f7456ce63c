"""Meeting pages."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("meetings", __name__, url_prefix="/reunions")
