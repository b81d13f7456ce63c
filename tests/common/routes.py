"""The app's URL rules as tests walk them: public prefixes and placeholder URLs."""

from __future__ import annotations

import re

from werkzeug.routing import Rule

# URL prefixes of public pages, and why: their own secret (a signed token in the URL) protects them.
PUBLIC_PREFIXES: dict[str, str] = {
    "/r/": "élus answer an invitation through a signed link, without an account",
    "/c/": "the short answer address printed on paper letters: a signed code that redirects to /r/",
    "/flux/": "calendar feeds read by calendar applications, authenticated by a secret token in the URL",
    "/s/": "élus answer a date poll through a signed link, without an account",
    "/mot-de-passe/": "the one-time password link sent by email, protected by its random token",
}

# Placeholder values for URL converters; a 404 for a missing object never counts as protection.
_CONVERTER = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")
_PLACEHOLDERS = {
    "default": "x",
    "string": "x",
    "path": "x",
    "int": "1",
    "float": "1.0",
    "uuid": "00000000-0000-4000-8000-000000000001",
}


def url_for_rule(rule: Rule) -> str:
    """The rule's URL with a placeholder for each variable part."""

    def placeholder(match: re.Match[str]) -> str:
        converter = match.group("converter") or "default"
        if converter == "any":
            return (match.group("args") or "x").split(",")[0].strip().strip("'\"")
        assert converter in _PLACEHOLDERS, (
            f"{rule.rule}: add a placeholder for the <{converter}:...> converter in tests/test_security.py"
        )
        return _PLACEHOLDERS[converter]

    return _CONVERTER.sub(placeholder, rule.rule)
