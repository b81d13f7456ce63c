"""A real OpenLDAP server (Debian's slapd) on loopback, with its own file configuration and a few entries
in a temporary directory: the Département's directory as the tests see it."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.common.smtp import free_port

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
LDAPADD = shutil.which("ldapadd") or "/usr/bin/ldapadd"
LDAPMODIFY = shutil.which("ldapmodify") or "/usr/bin/ldapmodify"
SUFFIX = "dc=lozere,dc=fr"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "secret"
AGENT_PASSWORD = "mot-de-passe-annuaire"
SERVICE_DN = f"cn=concertation,ou=services,{SUFFIX}"
SERVICE_PASSWORD = "compte-de-service"

CONFIG = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile {dir}/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
suffix "{suffix}"
rootdn "{root_dn}"
rootpw {root_password}
directory {dir}/db
"""


def _agent(uid: str, name: str) -> str:
    first, last = name.split(" ", 1)
    return f"""dn: uid={uid},ou=agents,{SUFFIX}
objectClass: inetOrgPerson
uid: {uid}
cn: {name}
sn: {last}
givenName: {first}
displayName: {name}
mail: {uid}@lozere.fr
userPassword: {AGENT_PASSWORD}
"""


def _group(cn: str, members: list[str]) -> str:
    # groupOfNames needs a member: the service account keeps a group valid when its last agent leaves.
    lines = f"member: {SERVICE_DN}\n" + "".join(f"member: uid={uid},ou=agents,{SUFFIX}\n" for uid in members)
    return f"dn: cn={cn},ou=groupes,{SUFFIX}\nobjectClass: groupOfNames\ncn: {cn}\n{lines}"


ENTRIES = "\n".join(
    [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: lozere\no: Lozère\n",
        f"dn: ou=agents,{SUFFIX}\nobjectClass: organizationalUnit\nou: agents\n",
        f"dn: ou=groupes,{SUFFIX}\nobjectClass: organizationalUnit\nou: groupes\n",
        f"dn: ou=services,{SUFFIX}\nobjectClass: organizationalUnit\nou: services\n",
        f"dn: {SERVICE_DN}\nobjectClass: person\ncn: concertation\nsn: service\n"
        f"userPassword: {SERVICE_PASSWORD}\n",
        _agent("claire.martin", "Claire Martin"),
        _agent("paul.roux", "Paul Roux"),
        _agent("julie.blanc", "Julie Blanc"),
        _agent("hors.groupe", "Hors Groupe"),
        _group("organisateurs", ["claire.martin"]),
        _group("lecteurs", ["claire.martin", "paul.roux"]),
        _group("admins", ["julie.blanc"]),
    ]
)
GROUP_ROLES = "organisateurs=organisateur;lecteurs=lecteur;admins=admin"


@dataclass
class Slapd:
    url: str
    directory: Path
    # (uid, group) removed by a test, put back by restore() so that the next test sees the same directory.
    removed: list[tuple[str, str]] = field(default_factory=list)

    def settings(self) -> dict[str, str]:
        """The application's LDAP_* settings for this server."""
        return {
            "LDAP_URL": self.url,
            "LDAP_BIND_DN": SERVICE_DN,
            "LDAP_BIND_PASSWORD": SERVICE_PASSWORD,
            "LDAP_USER_BASE": f"ou=agents,{SUFFIX}",
            "LDAP_USER_FILTER": "(mail={email})",
            "LDAP_GROUP_ROLES": GROUP_ROLES,
        }

    def _modify(self, ldif: str) -> None:
        subprocess.run(
            [LDAPMODIFY, "-x", "-H", self.url, "-D", ROOT_DN, "-w", ROOT_PASSWORD],
            input=ldif.encode(),
            check=True,
            capture_output=True,
        )

    def remove_from_group(self, uid: str, group: str) -> None:
        self._modify(
            f"dn: cn={group},ou=groupes,{SUFFIX}\nchangetype: modify\ndelete: member\n"
            f"member: uid={uid},ou=agents,{SUFFIX}\n"
        )
        self.removed.append((uid, group))

    def restore(self) -> None:
        while self.removed:
            self.add_to_group(*self.removed.pop())

    def add_to_group(self, uid: str, group: str) -> None:
        self._modify(
            f"dn: cn={group},ou=groupes,{SUFFIX}\nchangetype: modify\nadd: member\n"
            f"member: uid={uid},ou=agents,{SUFFIX}\n"
        )


def slapd_available() -> bool:
    return Path(SLAPD).exists() and Path(LDAPADD).exists()


@contextmanager
def running_slapd(tmp: Path) -> Iterator[Slapd]:
    """slapd started on a free loopback port with the entries loaded; stopped at the end."""
    (tmp / "db").mkdir(parents=True)
    config = tmp / "slapd.conf"
    config.write_text(
        CONFIG.format(dir=tmp, suffix=SUFFIX, root_dn=ROOT_DN, root_password=ROOT_PASSWORD), encoding="utf-8"
    )
    port = free_port()
    url = f"ldap://127.0.0.1:{port}"
    subprocess.run([SLAPD, "-f", str(config), "-h", f"{url}/"], check=True, capture_output=True)
    pidfile = tmp / "slapd.pid"
    try:
        for _ in range(100):
            loaded = subprocess.run(
                [LDAPADD, "-x", "-H", url, "-D", ROOT_DN, "-w", ROOT_PASSWORD],
                input=ENTRIES.encode(),
                capture_output=True,
            )
            if loaded.returncode == 0:
                break
            time.sleep(0.1)
        else:
            raise RuntimeError(f"ldapadd failed: {loaded.stderr.decode()}")
        yield Slapd(url, tmp)
    finally:
        if pidfile.exists():
            subprocess.run(["kill", pidfile.read_text().strip()], check=False)
