"""`flask people ...` commands."""

from __future__ import annotations

from flask.cli import AppGroup

people_cli = AppGroup("people", help="Élus et contacts.")
