"""Login with the Département's directory (LDAP or Active Directory), through ldap3.

The service account (LDAP_BIND_DN) finds the agent by LDAP_USER_FILTER under LDAP_USER_BASE, then the
agent's own password is checked by binding as the agent. The role comes from the groups: LDAP_GROUP_ROLES
maps a group (its DN or its cn) to a role, and the highest mapped role wins; an agent in no mapped group
has no access. Groups are read from `memberOf` when the directory offers it (Active Directory) and from
the groups that list the agent as `member` or `uniqueMember` (OpenLDAP without the memberof overlay).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ldap3 import NONE, SUBTREE, Connection, Server
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import parse_dn

from concertation.core.roles import ROLE_RANK, UserRole

TIMEOUT_SECONDS = 5


class DirectoryUnavailable(Exception):
    """The directory could not be reached or refused the service account."""


def parse_group_roles(raw: str | Mapping[str, str]) -> dict[str, UserRole]:
    """LDAP_GROUP_ROLES: a JSON object, or `group=role` pairs separated by semicolons (a DN holds commas
    and equal signs: the role is what follows the last one). Group names are compared without case."""
    if isinstance(raw, Mapping):
        pairs = list(raw.items())
    elif raw.strip().startswith("{"):
        pairs = list(json.loads(raw).items())
    else:
        pairs = [tuple(part.rsplit("=", 1)) for part in raw.split(";") if part.strip()]  # type: ignore[misc]
    roles: dict[str, UserRole] = {}
    for group, role in pairs:
        try:
            roles[str(group).strip().lower()] = UserRole(str(role).strip())
        except ValueError:
            raise ValueError(
                f"LDAP_GROUP_ROLES : rôle inconnu « {role} » pour le groupe « {group} »."
            ) from None
    return roles


@dataclass(frozen=True)
class DirectorySettings:
    url: str
    bind_dn: str
    bind_password: str
    user_base: str
    user_filter: str
    group_roles: dict[str, UserRole] = field(default_factory=dict)
    group_base: str = ""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DirectorySettings | None:
        """The settings, or None when no directory is configured (LDAP_URL empty)."""
        url = str(config.get("LDAP_URL") or "")
        if not url:
            return None
        user_base = str(config.get("LDAP_USER_BASE") or "")
        return cls(
            url=url,
            bind_dn=str(config.get("LDAP_BIND_DN") or ""),
            bind_password=str(config.get("LDAP_BIND_PASSWORD") or ""),
            user_base=user_base,
            user_filter=str(config.get("LDAP_USER_FILTER") or "(mail={email})"),
            group_roles=parse_group_roles(config.get("LDAP_GROUP_ROLES") or ""),
            group_base=str(config.get("LDAP_GROUP_BASE") or _suffix(user_base)),
        )


def _suffix(dn: str) -> str:
    """The dc=… part of a DN: where to look for groups when LDAP_GROUP_BASE is not given."""
    parts = [f"{attr}={value}" for attr, value, _ in parse_dn(dn) if attr.lower() == "dc"] if dn else []
    return ",".join(parts) or dn


@dataclass(frozen=True)
class DirectoryAgent:
    dn: str
    email: str
    name: str
    groups: frozenset[str]
    role: UserRole | None


def _connection(settings: DirectorySettings, user: str, password: str) -> Connection:
    server = Server(settings.url, get_info=NONE, connect_timeout=TIMEOUT_SECONDS)
    return Connection(server, user=user, password=password, receive_timeout=TIMEOUT_SECONDS, read_only=True)


def _first(entry: Any, name: str) -> str:
    values = entry.get("attributes", {}).get(name) or []
    if isinstance(values, str):
        return values
    return str(values[0]) if values else ""


def _group_names(dn: str) -> set[str]:
    """A group is known by its DN and by its cn."""
    names = {dn.lower()}
    for attr, value, _ in parse_dn(dn)[:1]:
        names.add(value.lower())
        names.add(f"{attr}={value}".lower())
    return names


def role_for(groups: frozenset[str], group_roles: Mapping[str, UserRole]) -> UserRole | None:
    found = [role for name, role in group_roles.items() if name in groups]
    return max(found, key=lambda role: ROLE_RANK[role]) if found else None


def _find(settings: DirectorySettings, email: str) -> tuple[Any, set[str]] | None:
    """The agent's entry and group names, read with the service account; None when not exactly one."""
    service = _connection(settings, settings.bind_dn, settings.bind_password)
    if not service.bind():
        raise DirectoryUnavailable(f"compte de service refusé : {service.result.get('description')}")
    try:
        search = settings.user_filter.format(email=escape_filter_chars(email.strip()))
        attributes = ["mail", "cn", "displayName", "memberOf"]
        service.search(settings.user_base, search, SUBTREE, attributes=attributes)
        entries = [e for e in service.response or [] if e.get("type") == "searchResEntry"]
        if len(entries) != 1:
            return None
        entry = entries[0]
        groups: set[str] = set()
        for group_dn in entry.get("attributes", {}).get("memberOf") or []:
            groups |= _group_names(str(group_dn))
        member = escape_filter_chars(str(entry["dn"]))
        member_filter = f"(|(member={member})(uniqueMember={member}))"
        service.search(settings.group_base, member_filter, SUBTREE, attributes=["cn"])
        for group in service.response or []:
            if group.get("type") == "searchResEntry":
                groups |= _group_names(str(group["dn"]))
        return entry, groups
    finally:
        service.unbind()


def authenticate(settings: DirectorySettings, email: str, password: str) -> DirectoryAgent | None:
    """The agent with this address and password, with the role given by the groups; None when the
    directory knows no such agent or the password is wrong. Raises DirectoryUnavailable."""
    if not password:
        return None  # an empty password is an anonymous bind, which many directories accept
    try:
        found = _find(settings, email)
        if found is None:
            return None
        entry, groups = found
        agent = _connection(settings, str(entry["dn"]), password)
        try:
            if not agent.bind():
                return None
        finally:
            agent.unbind()
    except LDAPException as error:
        raise DirectoryUnavailable(str(error)) from error
    frozen = frozenset(groups)
    return DirectoryAgent(
        dn=str(entry["dn"]),
        email=(_first(entry, "mail") or email).strip().lower(),
        name=_first(entry, "displayName") or _first(entry, "cn"),
        groups=frozen,
        role=role_for(frozen, settings.group_roles),
    )
