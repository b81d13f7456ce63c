"""A direct reader for the plain iTIP REPLY that calendar clients send, tried before icalendar's parser.

The organiser's mailbox brings hundreds of replies at a time, and icalendar builds a whole object tree
for each (about half a millisecond a reply, most of a poll's time). A REPLY as Outlook, Gmail, Apple and
Thunderbird write it is a flat list of simple lines; this reader takes exactly those and answers None for
anything it does not recognise with certainty (quoted or RFC 6868 parameters, several events, a DTSTAMP
with a time zone, a property given twice...), which `parse_reply` then hands to icalendar, whose errors
are the French messages the organiser reads. tests/notifications/test_ics_fast.py checks that both
readings give the same answer on the awkward inputs and on generated ones.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from concertation.notifications.addresses import readable_address
from concertation.notifications.ics_types import Method, PartStat, ReplyData

# icalendar's own unfolding and line splitting (icalendar/parser/content_line.py), so that both readers
# see the same lines.
_UNFOLD = re.compile(r"(?:(?<!\n)\r\n|(?<![\r\n])\n)(?:\r?\n)*[ \t]")
_NEWLINE = re.compile(r"\r?\n")
# NAME, then ;PARAM=value or ;PARAM="quoted value" (neither with RFC 6868's ^ nor a list), then :value.
_PARAMETER = r'([A-Za-z0-9-]+)=("[^"^]*"|[^;:,"^]*)'
_CONTENT_LINE = re.compile(rf"([A-Za-z0-9-]+)((?:;{_PARAMETER})*):(.*)")
_PARAMETERS = re.compile(rf";{_PARAMETER}")
_UTC_STAMP = re.compile(r"(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z")
_ESCAPED = re.compile(r"\\([\\;,nN])")
# The properties of the event that the answer is made of; the others are skipped, as icalendar's reading
# ignores them too, but only if icalendar cannot fail on them: text properties (and X-*), or the typed
# ones that clients write, in the plain form of each. Any other property: icalendar reads the reply.
_READ = frozenset({"UID", "SEQUENCE", "DTSTAMP", "ATTENDEE", "COMMENT"})
_TEXT_PROPERTIES = frozenset(
    {
        "VERSION", "PRODID", "CALSCALE", "METHOD", "UID", "SUMMARY", "LOCATION", "DESCRIPTION", "COMMENT",
        "STATUS", "CLASS", "TRANSP", "ORGANIZER", "ATTENDEE", "TZID", "TZNAME", "ACTION",
    }
)  # fmt: skip
_MONTH = r"(1[0-2]|[1-9])"
_DATE_TIME = re.compile(r"\d{8}(T\d{6}Z?)?")
_TYPED_PROPERTIES = {
    "SEQUENCE": re.compile(r"\d{1,9}"),
    "PRIORITY": re.compile(r"\d"),
    "DTSTAMP": _UTC_STAMP,
    "CREATED": _UTC_STAMP,
    "LAST-MODIFIED": _UTC_STAMP,
    "DTSTART": _DATE_TIME,
    "DTEND": _DATE_TIME,
    "TZOFFSETFROM": re.compile(r"[+-]\d{4}"),
    "TZOFFSETTO": re.compile(r"[+-]\d{4}"),
    "RRULE": re.compile(
        r"FREQ=YEARLY(;(INTERVAL=1|BYDAY=-?[1-5](SU|MO|TU|WE|TH|FR|SA)|BYMONTH=(1[0-2]|[1-9])))*"
    ),
}


def _check_known(name: str, value: str) -> None:
    if name.startswith("X-") or name in _TEXT_PROPERTIES:
        return
    pattern = _TYPED_PROPERTIES.get(name)
    if pattern is None or not pattern.fullmatch(value):
        raise _Unsure


class _Unsure(Exception):
    """The reply has a form this reader does not take: icalendar reads it."""


def _unescaped(value: str) -> str:
    # Any other backslash (\: \" or one at the end) icalendar reads in its own way: it reads this reply.
    if _ESCAPED.sub("", value).count("\\"):
        raise _Unsure
    return _ESCAPED.sub(lambda match: "\n" if match.group(1) in "nN" else match.group(1), value)


def _split(line: str) -> tuple[str, dict[str, str], str]:
    """NAME, its parameters (names upper-cased, quotes removed) and its value; _Unsure for other forms."""
    match = _CONTENT_LINE.fullmatch(line)
    if match is None:
        raise _Unsure
    name, parameters, value = match.groups()[0], match.group(2), match.groups()[-1]
    found: dict[str, str] = {}
    for key, given in _PARAMETERS.findall(parameters):
        if key.upper() in found:
            raise _Unsure
        found[key.upper()] = given[1:-1] if given.startswith('"') else given
    return name.upper(), found, value


def read_plain_reply(data: bytes) -> ReplyData | None:
    """The answer of a REPLY written in the plain form, or None when icalendar must read it."""
    try:
        return _read(data.decode("utf-8-sig", errors="replace"))
    except _Unsure:
        return None


def _read(text: str) -> ReplyData:
    lines = [line for line in _NEWLINE.split(_UNFOLD.sub("", text)) if line]
    if not lines or lines[0].upper() != "BEGIN:VCALENDAR" or lines[-1].upper() != "END:VCALENDAR":
        raise _Unsure
    stack: list[str] = []
    methods: list[str] = []
    events = 0
    event: dict[str, list[tuple[dict[str, str], str]]] = {}
    for line in lines:
        name, parameters, value = _split(line)
        if name in ("BEGIN", "END"):
            if parameters:
                raise _Unsure
            component = value.upper()
            if name == "BEGIN":
                stack.append(component)
                events += component == "VEVENT"
            elif not stack or stack.pop() != component:
                raise _Unsure
            continue
        _check_known(name, value)
        if stack == ["VCALENDAR"] and name == "METHOD":
            methods.append(value)
        elif stack == ["VCALENDAR", "VEVENT"] and name in _READ:
            event.setdefault(name, []).append((parameters, value))
    if stack or events != 1 or len(methods) != 1 or methods[0].strip().upper() != Method.REPLY:
        raise _Unsure
    return _answer(event)


def _single(event: dict[str, list[tuple[dict[str, str], str]]], name: str) -> tuple[dict[str, str], str]:
    found = event.get(name, [])
    if len(found) != 1:
        raise _Unsure
    return found[0]


def _answer(event: dict[str, list[tuple[dict[str, str], str]]]) -> ReplyData:
    uid = _unescaped(_single(event, "UID")[1]).strip()
    parameters, address = _single(event, "ATTENDEE")
    # A backslash in an address or a parameter is no plain reply (icalendar drops some escapes there).
    if "\\" in address or any("\\" in value for value in parameters.values()):
        raise _Unsure
    if address.lower().startswith("mailto:"):
        address = address[len("mailto:") :]
    email = readable_address(address.strip().lower())
    try:
        partstat = PartStat(parameters.get("PARTSTAT", "").strip().upper())
    except ValueError as error:
        raise _Unsure from error
    if not uid or "@" not in email:
        raise _Unsure
    sequence = 0
    if "SEQUENCE" in event:
        given, number = _single(event, "SEQUENCE")
        if given or not (number.isascii() and number.isdigit()):
            raise _Unsure
        sequence = int(number)
    dtstamp = None
    if "DTSTAMP" in event:
        given, stamp = _single(event, "DTSTAMP")
        match = _UTC_STAMP.fullmatch(stamp)
        if given or match is None:
            raise _Unsure
        try:
            year, month, day, hour, minute, second = map(int, match.groups())
            dtstamp = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        except ValueError as error:
            raise _Unsure from error
    return ReplyData(
        uid=uid,
        sequence=sequence,
        attendee_email=email,
        partstat=partstat,
        attendee_name=parameters.get("CN", ""),
        comment="\n".join(_unescaped(value) for _, value in event.get("COMMENT", [])),
        dtstamp=dtstamp,
    )
