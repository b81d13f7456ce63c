"""Email addresses as they are written in headers, SMTP envelopes and calendar objects.

One rule for every writer (MIME library path, fast InvitationWriter, iCalendar, sender): an
internationalised domain ("mairie-lozère.fr") is written in its IDNA form ("xn--mairie-lozre-…"),
which every server accepts; a local part with non-ASCII letters ("élodie.dupre@") needs SMTPUTF8,
which the service does not rely on, so such an address cannot be written and the message is
recorded as refused, with a French reason for the organiser.
"""

from __future__ import annotations

import idna


class UnwritableAddress(ValueError):
    """An address that no email can carry; `str(error)` is the French reason shown to the organiser."""


def ascii_address(address: str) -> str:
    """The address as written in an email: ASCII, its domain in IDNA form; UnwritableAddress if impossible."""
    address = address.strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or any(ord(ch) < 32 or ord(ch) == 127 for ch in address):
        raise UnwritableAddress(f"« {address} » n'est pas une adresse électronique utilisable.")
    if not local.isascii():
        raise UnwritableAddress(
            f"Adresse « {address} » : les caractères accentués avant « @ » ne peuvent pas être "
            "acheminés par tous les serveurs de messagerie ; demandez une adresse sans accent avant « @ »."
        )
    if not domain.isascii():
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except idna.IDNAError:
            raise UnwritableAddress(
                f"Adresse « {address} » : le nom de domaine (après « @ ») n'est pas valide."
            ) from None
    return f"{local}@{domain}"


def readable_address(address: str) -> str:
    """The address with an IDNA domain shown in letters ("xn--…" decoded), as people enter it.

    Calendar clients answer with either form; answers are matched on this one, the form stored.
    """
    local, at, domain = address.strip().rpartition("@")
    if not at or "xn--" not in domain.lower():
        return address.strip()
    try:
        return f"{local}@{idna.decode(domain)}"
    except idna.IDNAError:
        return address.strip()
