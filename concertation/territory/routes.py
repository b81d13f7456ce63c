"""Pages of the territory reference data."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("territory", __name__, url_prefix="/territoire")
