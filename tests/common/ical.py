"""libical's RFC 5546 restriction check, run by Debian's python3 when python3-gi + gir1.2-ical-3.0 are
installed: an iCalendar checker independent of the icalendar library that writes the invitations."""

from __future__ import annotations

import subprocess
from functools import cache

NO_LIBICAL = "libical bindings missing for /usr/bin/python3: apt-get install python3-gi gir1.2-ical-3.0"
LIBICAL_CHECK = r"""
import sys
import gi
gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib
component = ICalGLib.Component.new_from_string(sys.stdin.read())
valid = ICalGLib.restriction_check(component)
text = component.as_ical_string()
print("VALID" if valid and "X-LIC-ERROR" not in text else "INVALID")
print(text)
"""


@cache
def libical_available() -> bool:
    probe = 'import gi; gi.require_version("ICalGLib", "3.0"); from gi.repository import ICalGLib'
    try:
        return (
            subprocess.run(["/usr/bin/python3", "-c", probe], capture_output=True, timeout=30).returncode == 0
        )
    except (OSError, subprocess.TimeoutExpired):
        return False


def libical_restriction_check(data: bytes) -> str:
    result = subprocess.run(
        ["/usr/bin/python3", "-c", LIBICAL_CHECK],
        input=data.decode("utf-8"),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout
