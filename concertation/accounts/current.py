"""The account behind the current request, for the pages behind a login."""

from __future__ import annotations

from flask_login import current_user

from concertation.accounts.models import User


def signed_in_user() -> User:
    """The signed-in user of a page behind `login_required`, `reader_required` or `organiser_required`.

    Those guards answer before the view for an anonymous visitor, so a view never sees one here; a view
    outside them that calls this is a programming error, not a visitor's.
    """
    user = current_user._get_current_object()
    if not isinstance(user, User):
        raise RuntimeError("signed_in_user() called outside a page that requires a login")
    return user
