"""The changes an admin makes to an account, the same from its page and from `flask users`."""

from __future__ import annotations

from enum import StrEnum

from concertation.accounts import reset, services
from concertation.accounts.models import User, UserRole
from concertation.notifications.emails import MailContext


class AccountChange(StrEnum):
    ROLE = "role"
    DISABLE = "disable"
    ENABLE = "enable"
    RESET = "reset"


def change_account(
    user: User, change: AccountChange, *, mail: MailContext, role: UserRole | None = None
) -> None:
    """Apply `change` to the account (every change ends its sessions); `role` is the new one for ROLE.

    Raises AccountError (the last admin, a directory account...); the caller commits.
    """
    if change is AccountChange.ROLE:
        if role is None:
            raise ValueError("a change of role needs the new role")
        services.set_role(user, role)
    elif change is AccountChange.DISABLE:
        services.set_enabled(user, False)
    elif change is AccountChange.ENABLE:
        services.set_enabled(user, True)
    else:
        reset.send_reset_link(user, mail)
