"""The direct REPLY reader agrees with icalendar's reading, or steps aside (None) for icalendar to read."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from concertation.notifications.ics_fast import read_plain_reply
from concertation.notifications.ics_reply import parse_reply, parse_reply_with_icalendar
from concertation.notifications.ics_types import InvalidReply, ReplyData
from tests.common import mail_samples

NOW = datetime(2027, 3, 28, 1, 30, tzinfo=UTC)  # the night of the spring DST switch
UID = "meeting-7@concertation.lozère.fr"


def _library(data: bytes) -> ReplyData | None:
    try:
        return parse_reply_with_icalendar(data)
    except InvalidReply:
        return None


def _agree(data: bytes) -> ReplyData | None:
    fast = read_plain_reply(data)
    if fast is not None:
        assert fast == _library(data)
    return fast


@pytest.mark.parametrize("form", ["outlook", "gmail", "apple", "thunderbird"])
@pytest.mark.parametrize("attendee", ["maire@commune.example", "Élodie.D'Arc@mairie-sainte-énimie.fr"])
def test_every_client_form_is_read_directly_and_alike(form: str, attendee: str) -> None:
    data = mail_samples.calendar(
        form, uid=UID, attendee=attendee, partstat="DECLINED", sequence=3, dtstamp=NOW, name="Élu d'Apt"
    ).encode()
    for variant in (data, data.replace(b"\r\n", b"\n"), b"\xef\xbb\xbf" + data):
        fast = _agree(variant)
        assert fast is not None, form
        assert (fast.uid, fast.sequence, fast.dtstamp) == (UID, 3, NOW)
        assert parse_reply(variant) == fast


REPLY = (
    "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:meeting-1@x.fr\r\n"
    "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b.fr\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


@pytest.mark.parametrize(
    "data",
    [
        REPLY.replace("METHOD:REPLY", "METHOD:REQUEST"),
        REPLY.replace("METHOD:REPLY\r\n", ""),
        REPLY.replace("UID:meeting-1@x.fr\r\n", ""),
        REPLY.replace("PARTSTAT=ACCEPTED", "PARTSTAT=PEUT-ETRE"),
        REPLY.replace("ATTENDEE", "ATTENDEE;CN=J^'ean"),
        REPLY.replace("END:VEVENT", "ATTENDEE;PARTSTAT=DECLINED:mailto:c@d.fr\r\nEND:VEVENT"),
        REPLY.replace("END:VCALENDAR", "BEGIN:VEVENT\r\nUID:2\r\nEND:VEVENT\r\nEND:VCALENDAR"),
        REPLY.replace("END:VEVENT", "DTSTAMP;TZID=Europe/Paris:20270328T030000\r\nEND:VEVENT"),
        REPLY.replace("END:VEVENT", "DTSTAMP:20270230T100000Z\r\nEND:VEVENT"),
        REPLY.replace("END:VEVENT", "SEQUENCE:-1\r\nEND:VEVENT"),
        REPLY.replace("END:VEVENT", "SEQUENCE:2\r\nSEQUENCE:3\r\nEND:VEVENT"),
        REPLY.replace("mailto:a@b.fr", "mailto:personne"),
        # Found by the generated replies: icalendar reads "\\:" as ":", an escape RFC 5545 does not have.
        REPLY.replace("END:VEVENT", "COMMENT:a\\:b\r\nEND:VEVENT"),
        REPLY.replace("END:VEVENT", "COMMENT:fin\\\r\nEND:VEVENT"),
        # icalendar refuses the whole object for a property it types, wherever it stands.
        REPLY.replace("END:VEVENT", "BEGIN:VALARM\r\nSEQUENCE:x\r\nEND:VALARM\r\nEND:VEVENT"),
        REPLY.replace("END:VEVENT", "TRIGGER:-PT15M\r\nEND:VEVENT"),
        REPLY.replace("END:VEVENT\r\n", ""),
        "Bonjour, je viendrai.",
    ],
)
def test_unusual_forms_are_left_to_icalendar(data: str) -> None:
    assert read_plain_reply(data.encode()) is None


def test_a_stamp_given_twice_is_a_french_refusal_not_a_crash() -> None:
    # Found by the generated replies below: icalendar gives a list, whose `.dt` used to raise.
    twice = REPLY.replace("END:VEVENT", "DTSTAMP:20270328T013000Z\r\nDTSTAMP:20270328T013000Z\r\nEND:VEVENT")
    with pytest.raises(InvalidReply, match="DTSTAMP"):
        parse_reply(twice.encode())


# -- generated replies: mostly well formed, each part sometimes awkward --------------------------------


def _mostly(usual: list[str], awkward: list[str]) -> st.SearchStrategy[str]:
    return st.sampled_from(usual * 8 + awkward)


_TEXT = st.lists(
    st.sampled_from([*"aZé 9-@.,;:\\nN\"'^œ\t", "\\n", "\\N", "\\,", "\\;", "\\\\", "\\:"]), max_size=12
).map("".join)
_ADDRESS = _mostly(
    ["mailto:a@b.fr", "MAILTO:MAIRE@COMMUNE.FR", "mailto:élu@sainte-énimie.fr"],
    ["mailto:elu@xn--sainte-nimie-bbb.fr", "a@b.fr", "mailto: spaced@b.fr ", "mailto:nobody"],
)
_PARTSTAT = _mostly(
    ["ACCEPTED", "DECLINED", "TENTATIVE"], ["declined", " Tentative", "NEEDS-ACTION", "MAYBE", ""]
)
_CN = _mostly(
    ["", "Jean", "Élu d'Apt", '"Dupont, Jean"'], ['"a:b;c"', '""', "J^'ean", '"J^\'ean"', "a,b", "Jean;x"]
)
_COUNT = _mostly(["1"], ["0", "2"]).map(int)


@st.composite
def _attendee(draw: st.DrawFn) -> str:
    parameters = []
    partstat = draw(_PARTSTAT)
    if partstat:
        parameters.append(f"PARTSTAT={partstat}")
    if cn := draw(_CN):
        parameters.append(f"CN={cn}")
    if draw(st.booleans()):
        parameters.append("RSVP=TRUE")
    parameters = draw(st.permutations(parameters))
    name = draw(_mostly(["ATTENDEE"], ["attendee", "Attendee"]))
    return ";".join([name, *parameters]) + ":" + draw(_ADDRESS)


@st.composite
def replies(draw: st.DrawFn) -> bytes:
    event = ["UID:" + draw(_mostly(["meeting-1@x.fr"], ["a\\\\,b\\;c", " ", ""]))]
    event += [draw(_attendee()) for _ in range(draw(_COUNT))]
    event += [f"SEQUENCE:{draw(_mostly(['0', '3', '12'], [' 2', '-1', 'x', '007', '٣']))}"] * draw(_COUNT)
    stamps = _mostly(["DTSTAMP:20270328T013000Z"], ["DTSTAMP:20270328T023000", "DTSTAMP;VALUE=DATE:20270328"])
    event += [draw(stamps)] * draw(_COUNT)
    event += [f"COMMENT;LANGUAGE=fr-FR:{draw(_TEXT)}" for _ in range(draw(st.integers(0, 2)))]
    event += draw(st.lists(st.sampled_from(["X-MICROSOFT-CDO-BUSYSTATUS:BUSY", "SUMMARY:Accepté : a;b"])))
    if draw(st.booleans()):
        event += ["BEGIN:VALARM", "ACTION:DISPLAY", "ATTENDEE:mailto:z@z.fr", "END:VALARM"]
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0"]
    lines += [f"METHOD:{draw(_mostly(['REPLY'], ['reply', ' REPLY', 'REQUEST']))}"] * draw(_COUNT)
    lines += ["BEGIN:VEVENT", *draw(st.permutations(event)), "END:VEVENT", "END:VCALENDAR"]
    newline = draw(st.sampled_from(["\r\n", "\n"]))
    data = (newline.join(lines) + newline).encode()
    # Folds anywhere, even inside a multi-byte character, as some clients cut at 75 octets.
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(1, len(data) - 1))
        data = data[:at] + newline.encode() + draw(st.sampled_from([b" ", b"\t"])) + data[at:]
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    return data


@settings(max_examples=400, deadline=None)
@given(replies())
def test_generated_replies_read_directly_agree_with_icalendar(data: bytes) -> None:
    _agree(data)
