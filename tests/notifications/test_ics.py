"""The iCalendar objects of invitations, point by point of shared/ICAL.md (9-22).

Every object written is read back by independent parsers: vobject with validate=True, icalendar,
and libical's RFC 5546 restriction check when Debian's python3-gi + gir1.2-ical-3.0 are installed.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import icalendar
import pytest
import vobject

from concertation.core.timeutils import PARIS
from concertation.notifications import ics as ics_module
from concertation.notifications import ics_timezone
from concertation.notifications.ics import event_from_meeting, location_text, meeting_to_ical, meeting_uid
from concertation.notifications.ics_reply import parse_reply
from concertation.notifications.ics_timezone import paris_vtimezone, rule_offset
from concertation.notifications.ics_types import (
    PRODID,
    AttendeeData,
    EventData,
    EventStatus,
    InvalidReply,
    Method,
    PartStat,
)
from tests.common.ical import NO_LIBICAL, libical_available, libical_restriction_check

HOST = "concertation.lozere.fr"
ORGANISER = ("Département de la Lozère – DATE", "economie@lozere.fr")
RSVP = "https://concertation.lozere.fr/r/jeton-signé"
STAMP = datetime(2026, 4, 20, 7, 30, 12, tzinfo=UTC)


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def make_event(**changes: object) -> EventData:
    event = EventData(
        uid=meeting_uid(42, HOST),
        sequence=0,
        summary="Rendez-vous de Territoire du Gévaudan",
        description="Rendez-vous de Territoire\n\nOrdre du jour :\n- Diagnostic du territoire",
        location="Salle des fêtes, Marvejols",
        starts_at=paris(2026, 5, 12, 14),
        ends_at=paris(2026, 5, 12, 17),
        dtstamp=STAMP,
        organiser_name=ORGANISER[0],
        organiser_email=ORGANISER[1],
        rsvp_url=RSVP,
    )
    return replace(event, **changes)  # type: ignore[arg-type]


JEAN = AttendeeData(name="Jean Dupont", email="jean.dupont@marvejols.fr")


# -- independent readers ---------------------------------------------------------------------


def unfolded_lines(data: bytes) -> list[str]:
    """Content lines after unfolding (RFC 5545, 3.1), as text."""
    return data.decode("utf-8").replace("\r\n ", "").split("\r\n")


def lines_named(data: bytes, name: str, component: str = "VEVENT") -> list[str]:
    """The unfolded lines of a property directly inside a component (VCALENDAR or VEVENT)."""
    found, stack = [], []
    for line in unfolded_lines(data):
        if line.startswith("BEGIN:"):
            stack.append(line[len("BEGIN:") :])
        elif line.startswith("END:"):
            stack.pop()
        elif stack and stack[-1] == component and re.match(rf"^({name})[;:]", line):
            found.append(line)
    return found


def read_vobject(data: bytes) -> vobject.base.Component:
    return vobject.readOne(data.decode("utf-8"), validate=True)


def read_icalendar(data: bytes) -> icalendar.Calendar:
    calendar = icalendar.Calendar.from_ical(data)
    assert not calendar.errors
    return calendar


def check_everywhere(data: bytes) -> vobject.base.Component:
    """The checks every produced object must pass; returns the vobject reading."""
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b""), "bare LF"
    assert b"\r" not in data.replace(b"\r\n", b""), "bare CR"
    for line in data.split(b"\r\n"):
        assert len(line) <= 75, line
        line.decode("utf-8")  # a fold never splits a UTF-8 character
    calendar = read_icalendar(data)
    # Smoke test only (ICAL.md): icalendar reading back what it wrote.
    assert calendar.to_ical() == data
    assert not calendar.get_missing_tzids()
    return read_vobject(data)


# -- the calendar (points 9 and 10) ----------------------------------------------------------


def test_request_calendar_header() -> None:
    data = meeting_to_ical(make_event(), JEAN, method=Method.REQUEST)
    check_everywhere(data)
    lines = unfolded_lines(data)
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines_named(data, "VERSION", "VCALENDAR") == ["VERSION:2.0"]
    assert lines_named(data, "PRODID", "VCALENDAR") == [f"PRODID:{PRODID}"]
    assert lines_named(data, "METHOD", "VCALENDAR") == ["METHOD:REQUEST"]
    calendar = read_vobject(data)
    assert calendar.method.value == "REQUEST"
    # No calendar-level UID (icalendar's Calendar.new() would add a random one).
    assert "uid" not in calendar.contents


def test_exactly_one_vevent_with_every_required_property() -> None:
    data = meeting_to_ical(make_event(), JEAN, method=Method.REQUEST)
    calendar = check_everywhere(data)
    assert len(calendar.vevent_list) == 1
    event = calendar.vevent
    for name in ("uid", "dtstamp", "dtstart", "dtend", "summary", "location", "description", "organizer"):
        assert len(event.contents[name]) == 1, name
    assert event.sequence.value == "0"
    assert event.status.value == "CONFIRMED"
    assert event.summary.value == "Rendez-vous de Territoire du Gévaudan"
    assert event.location.value == "Salle des fêtes, Marvejols"
    assert RSVP in event.description.value
    assert "duration" not in event.contents
    assert lines_named(data, "DURATION") == []
    assert event.dtend.value > event.dtstart.value
    # DTSTAMP in UTC, as given for this email.
    assert lines_named(data, "DTSTAMP") == ["DTSTAMP:20260420T073012Z"]
    assert event.dtstamp.value == STAMP


def test_uid_is_derived_from_the_meeting_and_always_passed() -> None:
    assert meeting_uid(42, HOST) == "meeting-42@concertation.lozere.fr"
    data = meeting_to_ical(make_event(), JEAN, method=Method.REQUEST)
    assert lines_named(data, "UID") == ["UID:meeting-42@concertation.lozere.fr"]
    with pytest.raises(ValueError, match="UID"):
        make_event(uid=" ")


# -- the life of one meeting: REQUEST, update, CANCEL (points 11, 12, 19) -------------------


def meeting(**changes: object) -> SimpleNamespace:
    values: dict[str, object] = {
        "id": 42,
        "title": "Rendez-vous de Territoire du Gévaudan",
        "kind": SimpleNamespace(label="Rendez-vous de Territoire"),
        "starts_at": datetime(2026, 10, 26, 9, tzinfo=UTC),
        "ends_at": datetime(2026, 10, 26, 12, tzinfo=UTC),
        "location_name": "Salle des fêtes",
        "location_address": "Place de la Mairie",
        "location_commune": SimpleNamespace(name="Marvejols"),
        "agenda_items": [
            SimpleNamespace(title="Diagnostic"),
            SimpleNamespace(title="Projets, priorités; suite"),
        ],
        "sequence": 0,
        "status": "convoquee",
    }
    values.update(changes)
    return SimpleNamespace(**values)


def event_of(source: SimpleNamespace, dtstamp: datetime = STAMP) -> EventData:
    return event_from_meeting(
        source,
        host=HOST,
        organiser_name=ORGANISER[0],
        organiser_email=ORGANISER[1],
        rsvp_url=RSVP,
        dtstamp=dtstamp,
    )


def test_request_update_cancel_keep_the_uid_and_raise_the_sequence() -> None:
    first = meeting_to_ical(event_of(meeting()), JEAN, method=Method.REQUEST)
    moved = meeting(
        sequence=1,
        starts_at=datetime(2026, 10, 27, 9, tzinfo=UTC),
        ends_at=datetime(2026, 10, 27, 12, tzinfo=UTC),
    )
    update = meeting_to_ical(event_of(moved, STAMP + timedelta(days=1)), JEAN, method=Method.REQUEST)
    cancelled = meeting(
        sequence=2,
        status="annulee",
        starts_at=moved.starts_at,
        ends_at=moved.ends_at,
    )
    cancel = meeting_to_ical(event_of(cancelled, STAMP + timedelta(days=2)), JEAN, method=Method.CANCEL)

    readings = [check_everywhere(data) for data in (first, update, cancel)]
    assert {r.vevent.uid.value for r in readings} == {"meeting-42@concertation.lozere.fr"}
    assert [r.vevent.sequence.value for r in readings] == ["0", "1", "2"]
    assert [r.method.value for r in readings] == ["REQUEST", "REQUEST", "CANCEL"]
    # A new DTSTAMP for each email.
    assert len({r.vevent.dtstamp.value for r in readings}) == 3
    # The update is the full event, at its new time.
    assert readings[1].vevent.dtstart.value.astimezone(UTC) == datetime(2026, 10, 27, 9, tzinfo=UTC)
    assert readings[1].vevent.location.value == "Salle des fêtes, Place de la Mairie, Marvejols"


def test_sequence_is_written_even_when_zero_and_never_negative() -> None:
    data = meeting_to_ical(make_event(sequence=0), JEAN, method=Method.REQUEST)
    assert lines_named(data, "SEQUENCE") == ["SEQUENCE:0"]
    with pytest.raises(ValueError, match="SEQUENCE"):
        make_event(sequence=-1)


def test_cancel_of_the_whole_meeting() -> None:
    request = meeting_to_ical(make_event(sequence=1), JEAN, method=Method.REQUEST)
    data = meeting_to_ical(make_event(sequence=2), JEAN, method=Method.CANCEL)
    calendar = check_everywhere(data)
    assert lines_named(data, "METHOD", "VCALENDAR") == ["METHOD:CANCEL"]
    assert lines_named(data, "STATUS") == ["STATUS:CANCELLED"]
    assert calendar.vevent.sequence.value == "2"
    # Same ORGANIZER and UID; DTSTART and SUMMARY kept so the client shows what was cancelled.
    for name in ("UID", "ORGANIZER", "DTSTART", "DTEND", "SUMMARY"):
        assert lines_named(data, name) == lines_named(request, name), name
    # The same single ATTENDEE as in the REQUEST (privacy choice kept consistent).
    assert lines_named(data, "ATTENDEE") == lines_named(request, "ATTENDEE")
    # No answer link in a cancellation.
    assert RSVP not in calendar.vevent.description.value


def test_cancel_of_a_meeting_already_marked_cancelled() -> None:
    data = meeting_to_ical(make_event(status=EventStatus.CANCELLED, sequence=3), JEAN, method=Method.CANCEL)
    assert lines_named(data, "STATUS") == ["STATUS:CANCELLED"]


def test_removing_one_invitee_is_a_cancel_without_status() -> None:
    data = meeting_to_ical(make_event(sequence=3), JEAN, method=Method.CANCEL, whole_meeting=False)
    check_everywhere(data)
    assert lines_named(data, "METHOD", "VCALENDAR") == ["METHOD:CANCEL"]
    assert lines_named(data, "STATUS") == []
    attendees = lines_named(data, "ATTENDEE")
    assert len(attendees) == 1
    assert attendees[0].endswith(":mailto:jean.dupont@marvejols.fr")


def test_a_request_never_carries_a_cancelled_status_and_reply_is_not_written() -> None:
    with pytest.raises(ValueError, match="CANCEL"):
        meeting_to_ical(make_event(status=EventStatus.CANCELLED), JEAN, method=Method.REQUEST)
    with pytest.raises(ValueError, match="REPLY"):
        meeting_to_ical(make_event(), JEAN, method=Method.REPLY)


# -- ORGANIZER and ATTENDEE (points 13, 14, 15) ----------------------------------------------


def test_organiser_once_without_sent_by() -> None:
    data = meeting_to_ical(make_event(), JEAN, method=Method.REQUEST)
    organisers = lines_named(data, "ORGANIZER")
    assert organisers == ['ORGANIZER;CN="Département de la Lozère – DATE":mailto:economie@lozere.fr']
    assert "SENT-BY" not in data.decode()
    calendar = read_vobject(data)
    assert calendar.vevent.organizer.value.lower() != calendar.vevent.attendee.value.lower()


def test_organiser_cannot_be_the_invitee() -> None:
    with pytest.raises(ValueError, match="ORGANIZER"):
        meeting_to_ical(make_event(), AttendeeData("Service", "Economie@Lozere.fr"), method=Method.REQUEST)


def test_only_the_recipient_is_listed_with_every_parameter() -> None:
    data = meeting_to_ical(make_event(), JEAN, method=Method.REQUEST)
    attendees = lines_named(data, "ATTENDEE")
    assert len(attendees) == 1
    calendar = read_vobject(data)
    attendee = calendar.vevent.attendee
    assert attendee.value == "mailto:jean.dupont@marvejols.fr"
    params = dict(attendee.params.items())
    assert params == {
        "CN": ["Jean Dupont"],
        "CUTYPE": ["INDIVIDUAL"],
        "ROLE": ["REQ-PARTICIPANT"],
        "PARTSTAT": ["NEEDS-ACTION"],
        "RSVP": ["TRUE"],
    }
    # icalendar reads the same.
    read = read_icalendar(data).walk("VEVENT")[0]["ATTENDEE"]
    assert read.params["PARTSTAT"] == "NEEDS-ACTION" and read.params["RSVP"] == "TRUE"


def test_cn_with_separators_is_quoted() -> None:
    tricky = AttendeeData(name="Dupont, Jean; maire: test", email="jean@example.org")
    data = meeting_to_ical(make_event(), tricky, method=Method.REQUEST)
    check_everywhere(data)
    (line,) = lines_named(data, "ATTENDEE")
    assert 'CN="Dupont, Jean; maire: test"' in line
    assert read_vobject(data).vevent.attendee.params["CN"] == ["Dupont, Jean; maire: test"]
    assert read_icalendar(data).walk("VEVENT")[0]["ATTENDEE"].params["CN"] == "Dupont, Jean; maire: test"


def test_cn_is_stripped_of_quotes_and_line_breaks() -> None:
    hostile = AttendeeData(name='Jean "Jeannot"\r\nDupont\nATTENDEE:mailto:x@y.z', email="jean@example.org")
    organiser = 'Département "DATE"\r\n'
    data = meeting_to_ical(make_event(organiser_name=organiser), hostile, method=Method.REQUEST)
    check_everywhere(data)
    assert len(lines_named(data, "ATTENDEE")) == 1
    attendee = read_vobject(data).vevent.attendee
    assert attendee.params["CN"] == ["Jean Jeannot Dupont ATTENDEE:mailto:x@y.z"]
    assert attendee.value == "mailto:jean@example.org"
    assert read_vobject(data).vevent.organizer.params["CN"] == ["Département DATE"]


def test_unusable_addresses_are_refused() -> None:
    for address in ("", "jean", "jean dupont@example.org", "jean@example.org\r\nX:y"):
        with pytest.raises(ValueError, match="address"):
            AttendeeData("Jean", address)


# -- times (point 16) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [(23, 8), (26, 9)],  # summer time ends on Sunday 25 October 2026
)
def test_dst_days(day: int, utc_hour: int) -> None:
    event = make_event(starts_at=paris(2026, 10, day, 10), ends_at=paris(2026, 10, day, 12))
    data = meeting_to_ical(event, JEAN, method=Method.REQUEST)
    calendar = check_everywhere(data)
    assert lines_named(data, "DTSTART") == [f"DTSTART;TZID=Europe/Paris:202610{day}T100000"]
    assert calendar.vevent.dtstart.value.astimezone(UTC) == datetime(2026, 10, day, utc_hour, tzinfo=UTC)
    assert calendar.vevent.dtend.value.astimezone(UTC) == datetime(2026, 10, day, utc_hour + 2, tzinfo=UTC)
    start = read_icalendar(data).walk("VEVENT")[0].start
    assert start.astimezone(UTC) == datetime(2026, 10, day, utc_hour, tzinfo=UTC)


def test_utc_input_is_written_in_paris_time_with_its_vtimezone() -> None:
    event = make_event(
        starts_at=datetime(2026, 3, 30, 7, tzinfo=UTC), ends_at=datetime(2026, 3, 30, 9, tzinfo=UTC)
    )
    data = meeting_to_ical(event, JEAN, method=Method.REQUEST)
    calendar = check_everywhere(data)
    assert lines_named(data, "DTSTART") == ["DTSTART;TZID=Europe/Paris:20260330T090000"]
    assert [tz.tzid.value for tz in calendar.vtimezone_list] == ["Europe/Paris"]
    # Never floating.
    assert all(";TZID=" in line or line.endswith("Z") for line in lines_named(data, "DT(START|END|STAMP)"))


def test_vtimezone_rules_agree_with_the_tz_database() -> None:
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    while moment < datetime(2038, 1, 1, tzinfo=UTC):
        assert rule_offset(moment) == moment.astimezone(PARIS).utcoffset(), moment
        moment += timedelta(hours=1)
    text = paris_vtimezone(paris(2026, 5, 12, 14), paris(2026, 5, 12, 17)).to_ical().decode()
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in text
    assert "RDATE" not in text  # Outlook misreads RDATE lists


def test_vtimezone_falls_back_to_the_tz_database(monkeypatch: pytest.MonkeyPatch) -> None:
    # Should the rules ever disagree (France stops changing clocks), the generated zone is used.
    monkeypatch.setattr(ics_timezone, "rule_offset", lambda value: timedelta(hours=5))
    event = make_event(starts_at=paris(2026, 10, 26, 10), ends_at=paris(2026, 10, 26, 12))
    data = meeting_to_ical(event, JEAN, method=Method.REQUEST)
    calendar = check_everywhere(data)
    assert "RRULE" not in data.decode()
    assert "COMMENT" not in data.decode()
    assert calendar.vevent.dtstart.value.astimezone(UTC) == datetime(2026, 10, 26, 9, tzinfo=UTC)


def test_naive_or_reversed_times_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        make_event(starts_at=datetime(2026, 5, 12, 14))
    with pytest.raises(ValueError, match="aware"):
        make_event(dtstamp=datetime(2026, 5, 12, 14))
    with pytest.raises(ValueError, match="after"):
        make_event(ends_at=paris(2026, 5, 12, 14))


# -- folding and escaping (point 17) ---------------------------------------------------------

LONG_SUMMARY = "Concertation territoriale — élaboration du contrat « cœur de Lozère » 🏔️ " * 3
LONG_DESCRIPTION = (
    "Ordre du jour : présentation des œuvres, des équipements sportifs et de l'Économie sociale; "
    "suivi des opérations, priorités\\arbitrages 😀🎉\n" * 4
)


def test_long_accented_lines_are_folded_at_75_octets() -> None:
    event = make_event(
        summary=LONG_SUMMARY, description=LONG_DESCRIPTION, location="Château de la Baume, œil 👁"
    )
    data = meeting_to_ical(event, JEAN, method=Method.REQUEST)
    calendar = check_everywhere(data)  # <= 75 octets, no split character, CRLF only
    assert any(line.startswith(b" ") for line in data.split(b"\r\n")), "nothing was folded"
    assert calendar.vevent.summary.value == LONG_SUMMARY
    assert calendar.vevent.description.value.startswith(LONG_DESCRIPTION.rstrip("\n"))
    assert calendar.vevent.location.value == "Château de la Baume, œil 👁"
    assert str(read_icalendar(data).walk("VEVENT")[0]["SUMMARY"]) == LONG_SUMMARY


def test_text_escaping_round_trip() -> None:
    summary = "Réunion; CC, SIVOM \\ Mairie\nsuite"
    description = "Ligne 1\r\nLigne 2; a, b \\ c\rLigne 3"
    data = meeting_to_ical(make_event(summary=summary, description=description), JEAN, method=Method.REQUEST)
    calendar = check_everywhere(data)
    assert lines_named(data, "SUMMARY") == ["SUMMARY:Réunion\\; CC\\, SIVOM \\\\ Mairie\\nsuite"]
    assert calendar.vevent.summary.value == summary
    # CR and CRLF become the one line break iCalendar knows.
    assert calendar.vevent.description.value.startswith("Ligne 1\nLigne 2; a, b \\ c\nLigne 3")


# -- built from a meeting --------------------------------------------------------------------


def test_event_from_meeting_reads_the_model() -> None:
    event = event_of(meeting(sequence=4))
    assert event.uid == "meeting-42@concertation.lozere.fr"
    assert event.sequence == 4
    assert event.summary == "Rendez-vous de Territoire du Gévaudan"
    assert event.location == "Salle des fêtes, Place de la Mairie, Marvejols"
    assert event.description == (
        "Rendez-vous de Territoire\n\nOrdre du jour :\n- Diagnostic\n- Projets, priorités; suite"
    )
    assert event.status is EventStatus.CONFIRMED
    assert event_of(meeting(status="annulee")).status is EventStatus.CANCELLED
    data = meeting_to_ical(event, JEAN, method=Method.REQUEST)
    description = check_everywhere(data).vevent.description.value
    assert description.endswith(f"Répondre à l'invitation : {RSVP}")


def test_event_from_meeting_without_place_or_agenda() -> None:
    bare = meeting(location_name="", location_address="", location_commune=None, agenda_items=[])
    event = event_of(bare)
    assert event.location == ""
    assert event.description == "Rendez-vous de Territoire"
    data = meeting_to_ical(event, JEAN, method=Method.REQUEST)
    check_everywhere(data)
    # Always written: an update that drops the place must replace the old one in the calendars.
    assert lines_named(data, "LOCATION") == ["LOCATION:Lieu à préciser"]
    assert read_vobject(data).vevent.location.value == "Lieu à préciser"


def test_location_text_drops_empty_and_repeated_parts() -> None:
    assert location_text("Mairie", "", "Mende") == "Mairie, Mende"
    assert location_text("", "2 rue de la Rovère, 48000 Mende", "Mende") == "2 rue de la Rovère, 48000 Mende"
    assert location_text(" ", " ", "") == ""


# -- libical: RFC 5546 rules per METHOD ------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "whole_meeting", "sequence"),
    [
        (Method.REQUEST, True, 0),
        (Method.REQUEST, True, 1),
        (Method.CANCEL, True, 2),
        (Method.CANCEL, False, 2),
    ],
)
def test_libical_restriction_check(method: Method, whole_meeting: bool, sequence: int) -> None:
    if not libical_available():
        pytest.skip(NO_LIBICAL)
    event = make_event(sequence=sequence, summary=LONG_SUMMARY, description=LONG_DESCRIPTION)
    data = meeting_to_ical(event, JEAN, method=method, whole_meeting=whole_meeting)
    output = libical_restriction_check(data)
    assert output.startswith("VALID"), output


def test_libical_check_does_catch_a_broken_cancel() -> None:
    # The checker itself must be able to fail: a CANCEL without ORGANIZER breaks RFC 5546.
    if not libical_available():
        pytest.skip(NO_LIBICAL)
    data = meeting_to_ical(make_event(sequence=2), JEAN, method=Method.CANCEL)
    broken = b"\r\n".join(
        line for line in data.replace(b"\r\n ", b"").split(b"\r\n") if not line.startswith(b"ORGANIZER")
    )
    assert libical_restriction_check(broken).startswith("INVALID")


# -- answers: iTIP REPLY (point 22) ----------------------------------------------------------

OUTLOOK_REPLY = "\r\n".join(
    [
        "BEGIN:VCALENDAR",
        "METHOD:REPLY",
        "PRODID:Microsoft Exchange Server 2010",
        "VERSION:2.0",
        "BEGIN:VTIMEZONE",
        "TZID:Romance Standard Time",
        "BEGIN:STANDARD",
        "DTSTART:16010101T030000",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10",
        "END:STANDARD",
        "BEGIN:DAYLIGHT",
        "DTSTART:16010101T020000",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3",
        "END:DAYLIGHT",
        "END:VTIMEZONE",
        "BEGIN:VEVENT",
        'ORGANIZER;CN="Département de la Lozère – DATE":mailto:economie@lozere.fr',
        "ATTENDEE;PARTSTAT=ACCEPTED;CN=Jean Dupont:MAILTO:Jean.Dupont@Marvejols.FR",
        "COMMENT;LANGUAGE=fr-FR:Je serai accompagné de ma première adjointe.",
        "SUMMARY;LANGUAGE=fr-FR:Accepté: Rendez-vous de Territoire du Gévaudan",
        "DTSTART;TZID=Romance Standard Time:20261026T100000",
        "DTEND;TZID=Romance Standard Time:20261026T120000",
        "UID:meeting-42@concertation.lozere.fr",
        "CLASS:PUBLIC",
        "PRIORITY:5",
        "DTSTAMP:20261020T081500Z",
        "TRANSP:OPAQUE",
        "STATUS:CONFIRMED",
        "SEQUENCE:2",
        "LOCATION;LANGUAGE=fr-FR:Salle des fêtes\\, Marvejols",
        "X-MICROSOFT-CDO-APPT-SEQUENCE:2",
        "X-MICROSOFT-CDO-OWNERAPPTID:-1206375436",
        "X-MICROSOFT-CDO-BUSYSTATUS:BUSY",
        "X-MICROSOFT-CDO-INTENDEDSTATUS:BUSY",
        "X-MICROSOFT-CDO-ALLDAYEVENT:FALSE",
        "X-MICROSOFT-CDO-IMPORTANCE:1",
        "X-MICROSOFT-CDO-INSTTYPE:0",
        "X-MICROSOFT-DONOTFORWARDMEETING:FALSE",
        "X-MICROSOFT-DISALLOW-COUNTER:FALSE",
        'X-MICROSOFT-LOCATIONS:[{"DisplayName":"Salle des fêtes, Marvejols","LocationAnnot',
        ' ation":"","LocationUri":"","LocationStreet":"","LocationCity":"Marvejols"}]',
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
).encode("utf-8")

THUNDERBIRD_REPLY = "\r\n".join(
    [
        "BEGIN:VCALENDAR",
        "PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN",
        "VERSION:2.0",
        "METHOD:REPLY",
        "BEGIN:VTIMEZONE",
        "TZID:Europe/Paris",
        "BEGIN:DAYLIGHT",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "TZNAME:CEST",
        "DTSTART:19700329T020000",
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "TZNAME:CET",
        "DTSTART:19701025T030000",
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
        "END:STANDARD",
        "END:VTIMEZONE",
        "BEGIN:VEVENT",
        "CREATED:20261020T090000Z",
        "LAST-MODIFIED:20261020T090100Z",
        "DTSTAMP:20261020T090100Z",
        "UID:meeting-42@concertation.lozere.fr",
        "SUMMARY:Rendez-vous de Territoire du Gévaudan",
        'ORGANIZER;CN="Département de la Lozère – DATE":mailto:economie@lozere.fr',
        'ATTENDEE;RSVP=TRUE;CN="Dupont, Jeanne";PARTSTAT=DECLINED;ROLE=REQ-PARTICIPA',
        " NT;CUTYPE=INDIVIDUAL:mailto:jeanne.dupont@example.org",
        "DTSTART;TZID=Europe/Paris:20261026T100000",
        "DTEND;TZID=Europe/Paris:20261026T120000",
        "SEQUENCE:1",
        "X-MOZ-RECEIVED-SEQUENCE:1",
        "X-MOZ-RECEIVED-DTSTAMP:20261020T080000Z",
        "X-MOZ-SEND-INVITATIONS:TRUE",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
).encode("utf-8")

# Apple Calendar / Gmail style: no SEQUENCE at all, and an answer to the first REQUEST.
MINIMAL_REPLY = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Apple Inc.//iPhone OS 18.0//EN\r\nMETHOD:REPLY\r\n"
    b"BEGIN:VEVENT\r\nUID:meeting-42@concertation.lozere.fr\r\nDTSTAMP:20261020T100000Z\r\n"
    b"ATTENDEE;PARTSTAT=TENTATIVE:mailto:Marie@Example.org\r\n"
    b"ORGANIZER:mailto:economie@lozere.fr\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def test_outlook_reply() -> None:
    reply = parse_reply(OUTLOOK_REPLY)
    assert reply.uid == "meeting-42@concertation.lozere.fr"
    assert reply.sequence == 2
    assert reply.partstat is PartStat.ACCEPTED
    assert reply.attendee_email == "jean.dupont@marvejols.fr"
    assert reply.attendee_name == "Jean Dupont"
    assert reply.comment == "Je serai accompagné de ma première adjointe."
    assert reply.dtstamp == datetime(2026, 10, 20, 8, 15, tzinfo=UTC)


def test_thunderbird_reply() -> None:
    reply = parse_reply(THUNDERBIRD_REPLY)
    assert (reply.uid, reply.sequence, reply.partstat) == (
        "meeting-42@concertation.lozere.fr",
        1,
        PartStat.DECLINED,
    )
    assert reply.attendee_email == "jeanne.dupont@example.org"
    assert reply.attendee_name == "Dupont, Jeanne"
    assert reply.comment == ""


def test_reply_without_sequence_is_sequence_zero() -> None:
    reply = parse_reply(MINIMAL_REPLY)
    assert reply.sequence == 0
    assert reply.partstat is PartStat.TENTATIVE
    assert reply.attendee_email == "marie@example.org"


def test_reply_to_an_older_sequence_is_recognisable() -> None:
    # The meeting was moved (SEQUENCE 3) after this answer to SEQUENCE 1 was written: the caller
    # compares and ignores it (ICAL.md point 22).
    current = make_event(sequence=3)
    reply = parse_reply(THUNDERBIRD_REPLY)
    assert reply.uid == current.uid
    assert reply.sequence < current.sequence


def test_reply_with_a_byte_order_mark_and_lf_lines() -> None:
    data = b"\xef\xbb\xbf" + THUNDERBIRD_REPLY.replace(b"\r\n", b"\n")
    assert parse_reply(data).partstat is PartStat.DECLINED


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Bonjour, je viendrai.", "lisible"),
        (meeting_to_ical(make_event(), JEAN, method=Method.REQUEST), "METHOD:REQUEST"),
        (MINIMAL_REPLY.replace(b"METHOD:REPLY\r\n", b""), "METHOD:absent"),
        (re.sub(rb"ATTENDEE[^\r]*\r\n", b"", MINIMAL_REPLY), "aucun participant"),
        (MINIMAL_REPLY.replace(b"UID:meeting-42@concertation.lozere.fr\r\n", b""), "UID"),
        (MINIMAL_REPLY.replace(b"PARTSTAT=TENTATIVE", b"PARTSTAT=MAYBE-LATER"), "MAYBE-LATER"),
        (MINIMAL_REPLY.replace(b";PARTSTAT=TENTATIVE", b""), "absente"),
        (
            MINIMAL_REPLY.replace(
                b"ORGANIZER", b"ATTENDEE;PARTSTAT=ACCEPTED:mailto:autre@example.org\r\nORGANIZER"
            ),
            "un seul participant",
        ),
        (
            MINIMAL_REPLY.replace(b"BEGIN:VEVENT", b"BEGIN:VTODO").replace(b"END:VEVENT", b"END:VTODO"),
            "aucun",
        ),
    ],
)
def test_unusable_replies_raise_a_french_error(data: bytes, message: str) -> None:
    with pytest.raises(InvalidReply, match=message):
        parse_reply(data)


# -- one template per batch of emails -----------------------------------------------------------


def whole_object(event: EventData, attendee: AttendeeData, method: Method, whole_meeting: bool) -> bytes:
    """The object serialised in one piece with icalendar, as meeting_to_ical did before templates."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", event.prodid)
    calendar.add("version", "2.0")
    calendar.add("method", method.value)
    calendar.add_component(paris_vtimezone(event.starts_at, event.ends_at))
    vevent = icalendar.Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", event.dtstamp.astimezone(UTC))
    vevent.add("sequence", event.sequence)
    vevent.add("dtstart", event.starts_at.astimezone(PARIS))
    vevent.add("dtend", event.ends_at.astimezone(PARIS))
    vevent.add("summary", event.summary.replace("\r\n", "\n"))
    vevent.add("location", event.location or "Lieu à préciser")
    description = event.description
    if method is Method.REQUEST and event.rsvp_url:
        description = f"{description.rstrip()}\n\nRépondre à l'invitation : {event.rsvp_url}"
    vevent.add("description", description)
    if method is Method.REQUEST:
        vevent.add("status", event.status.value)
    elif whole_meeting:
        vevent.add("status", "CANCELLED")
    vevent.add("transp", "OPAQUE")
    organiser = icalendar.vCalAddress(f"mailto:{event.organiser_email}")
    organiser.params["CN"] = event.organiser_name
    vevent.add("organizer", organiser)
    address = icalendar.vCalAddress(f"mailto:{attendee.email}")
    address.params.update(
        {"CN": attendee.name, "CUTYPE": "INDIVIDUAL", "ROLE": "REQ-PARTICIPANT"}
        | {"PARTSTAT": "NEEDS-ACTION", "RSVP": "TRUE"}
    )
    vevent.add("attendee", address)
    calendar.add_component(vevent)
    return calendar.to_ical()


ATTENDEES = [
    JEAN,
    AttendeeData(name="Élodie Fabre-Rouvière, maire de Saint-Chély-d'Apcher", email="elodie@example.org"),
    AttendeeData(name=" ".join(["Marie-Thérèse de La Rochefoucauld"] * 3), email="mt@example.org"),
]


@pytest.mark.parametrize(
    ("method", "whole_meeting"), [(Method.REQUEST, True), (Method.CANCEL, True), (Method.CANCEL, False)]
)
def test_template_renders_each_recipient_as_a_whole_serialisation_would(
    method: Method, whole_meeting: bool
) -> None:
    event = make_event(sequence=2, location="")
    template = ics_module.CalendarTemplate(event, method=method, whole_meeting=whole_meeting)
    for index, attendee in enumerate(ATTENDEES * 2):
        link = f"{RSVP}-{index}"
        data = template.render(attendee, link)
        assert data == whole_object(replace(event, rsvp_url=link), attendee, method, whole_meeting)
        assert icalendar.Calendar.from_ical(data).to_ical() == data
        assert data.count(b"\r\nATTENDEE") == 1
        assert (link.encode() in data.replace(b"\r\n ", b"")) is (method is Method.REQUEST)
    # The event's own answer link by default; meeting_to_ical goes through the same template.
    whole = whole_object(event, JEAN, method, whole_meeting)
    assert template.render(JEAN) == whole
    assert meeting_to_ical(event, JEAN, method=method, whole_meeting=whole_meeting) == whole


def test_template_refuses_the_organiser_as_recipient() -> None:
    template = ics_module.CalendarTemplate(make_event(), method=Method.REQUEST)
    with pytest.raises(ValueError, match="ORGANIZER"):
        template.render(AttendeeData("Service", "Economie@Lozere.fr"), RSVP)
