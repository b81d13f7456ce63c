"""Rows valid between two optional dates (mandates, intercommunality memberships)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, or_


def valid_on(model: Any, on: date) -> ColumnElement[bool]:
    """SQL for "the row's starts_on/ends_on cover this day" (an open bound is unlimited)."""
    return and_(
        or_(model.starts_on.is_(None), model.starts_on <= on),
        or_(model.ends_on.is_(None), model.ends_on >= on),
    )
