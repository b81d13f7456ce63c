"""A real Dovecot IMAP server on loopback, with its own configuration in a temporary directory.

The recipe is shared/REAL-SERVICES.md's: plain login on 127.0.0.1, Maildir, the `mail` user owning the
homes (Dovecot refuses uid 0), any user name with the static password.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from imap_tools import MailBoxUnencrypted

PASSWORD = "secret"
USER = "economie"

CONFIG = """\
base_dir = {dir}/run
log_path = {dir}/log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:{dir}/home/%u/Maildir
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid=mail gid=mail home={dir}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
"""


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Dovecot:
    directory: Path
    port: int = 0
    host: str = "127.0.0.1"
    user: str = USER
    password: str = PASSWORD

    def start(self) -> None:
        binary = dovecot_binary()
        assert binary is not None
        if not self.port:
            self.port = _free_port()
        for name in ("run", "home"):
            (self.directory / name).mkdir(parents=True, exist_ok=True)
        # The `mail` user must reach its home below this directory.
        os.chmod(self.directory, 0o755)  # noqa: S103
        shutil.chown(self.directory / "home", "mail", "mail")
        config = self.directory / "dovecot.conf"
        config.write_text(CONFIG.format(dir=self.directory, port=self.port, password=self.password))
        # The master daemonises; its children inherit stdout, so no pipe is kept to wait on.
        with open(self.directory / "start.log", "wb") as output:
            subprocess.run([binary, "-c", str(config)], check=True, stdout=output, stderr=output, timeout=30)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((self.host, self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not listen on {self.port}: {self.log()}")

    def stop(self) -> None:
        pid_file = self.directory / "run" / "master.pid"
        if not pid_file.exists():
            return
        pid = int(pid_file.read_text().strip())
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        # The listener must be gone before a test counts on "server down".
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    time.sleep(0.05)
            except OSError:
                return

    def kill(self) -> None:
        """The server dies with its sessions (a stop lets open sessions finish): connected clients see EOF."""
        pid_file = self.directory / "run" / "master.pid"
        if not pid_file.exists():
            return
        master = pid_file.read_text().strip()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                # "pid (name) state ppid ...": the name may hold spaces, the rest follows its ")".
                ppid = stat.read_text().rsplit(")", 1)[1].split()[1]
            except (OSError, IndexError):
                continue
            if ppid == master:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(stat.parent.name), signal.SIGKILL)
        self.stop()

    def log(self) -> str:
        path = self.directory / "log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def config(self) -> dict[str, object]:
        """The app settings that point at this server."""
        return {
            "MAIL_IMAP_HOST": self.host,
            "MAIL_IMAP_PORT": self.port,
            "MAIL_IMAP_USER": self.user,
            "MAIL_IMAP_PASSWORD": self.password,
            "MAIL_IMAP_SSL": False,
            "MAIL_IMAP_FOLDER": "INBOX",
            "MAIL_IMAP_TIMEOUT": 5,
        }

    def client(self) -> MailBoxUnencrypted:
        box = MailBoxUnencrypted(self.host, self.port, timeout=10)
        box.login(self.user, self.password)
        return box

    def append(self, *messages: bytes, folder: str = "INBOX") -> None:
        """Put messages in a folder with IMAP APPEND, as a client's reply arrives."""
        box = self.client()
        try:
            for raw in messages:
                box.append(raw, folder)
        finally:
            box.logout()

    def count(self, folder: str) -> int:
        box = self.client()
        try:
            if not box.folder.exists(folder):
                return 0
            box.folder.set(folder)
            return len(box.uids())
        finally:
            box.logout()
