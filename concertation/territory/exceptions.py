"""Territory errors, each with a French message."""

from __future__ import annotations


class TerritoryError(Exception):
    """Base class: `str(error)` is shown to the user."""


class InvalidReferenceData(TerritoryError):
    """A reference file that cannot be imported; nothing was written."""
