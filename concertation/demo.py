"""`flask demo load`: a clearly marked set of fictional élus for trying the service."""

from __future__ import annotations

from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="Données de démonstration (élus fictifs).")
