"""The header-first classification gives what parsing the whole message gives, on the awkward inputs too."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from concertation.notifications.inbox.classify import MailKind, classify, classify_whole
from tests.common import mail_samples as messages

UID = "meeting-7@concertation.lozere.fr"
NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)
QMAIL = (
    b"From: MAILER-DAEMON@mx.commune.example\r\nTo: economie@lozere.fr\r\n"
    b"Subject: failure notice\r\nDate: Mon, 01 Mar 2027 08:00:00 +0100\r\n\r\n"
    b"Hi. This is the qmail-send program at mx.commune.example.\r\n"
    b"I'm afraid I wasn't able to deliver your message to the following addresses.\r\n\r\n"
    b"<maire@commune.example>:\r\n550 5.1.1 user unknown\r\n\r\n"
    b"--- Below this line is a copy of the message.\r\n\r\n"
    b"Message-ID: <42@concertation.lozere.fr>\r\nSubject: Invitation\r\n"
)
NO_ID_ACCENTED = (
    b"From: =?utf-8?q?=C3=89lodie_Maire?= <elodie@commune.example>\r\nTo: economie@lozere.fr\r\n"
    b"Subject: =?utf-8?b?UsOpcG9uc2UgOiBqZSBzZXJhaSBwcsOpc2VudGU=?=\r\n"
    + b"Date: Mon, 01 Mar 2027 08:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    + "Je serai présente, mon adjoint aussi.\r\n".encode()
)
X_AUTOREPLY = (
    b"From: maire@commune.example\r\nSubject: Concertation\r\nX-Autoreply: yes\r\n"
    b"Message-ID: <a1@commune.example>\r\n\r\nAbsent until 20 March.\r\n"
)
BULK_WITH_CALENDAR = messages.noise(3).replace(
    b"Content-Type: text/plain; charset=utf-8\r\n\r\nLes nouvelles du mois.",
    b"Content-Type: text/calendar; method=REPLY\r\n\r\n"
    + messages.calendar(
        "gmail", uid=UID, attendee="a@b.example", partstat="ACCEPTED", sequence=0, dtstamp=NOW
    ).encode(),
)


def _inputs() -> list[tuple[str, bytes]]:
    found = [
        (form, messages.reply_email(form, uid=UID, attendee="maire@commune.example", partstat="TENTATIVE"))
        for form in ("outlook", "gmail", "apple", "thunderbird")
    ]
    outlook_lf = messages.reply_email("outlook", uid=UID, attendee="maire@commune.example")
    found += [
        ("outlook-lf", outlook_lf.replace(b"\r\n", b"\n")),
        ("dsn", messages.dsn("maire@commune.example", "<42@concertation.lozere.fr>")),
        ("qmail", QMAIL),
        ("out-of-office", messages.out_of_office("maire@commune.example", "<42@concertation.lozere.fr>")),
        ("x-autoreply", X_AUTOREPLY),
        ("person", messages.person_reply("maire@commune.example", "Je serai présent.")),
        ("no-id-accented", NO_ID_ACCENTED),
        ("noise", messages.noise(1)),
        ("bulk-with-calendar", BULK_WITH_CALENDAR),
        ("no-sender", b"Subject: ?\r\n\r\nrien\r\n"),
    ]
    return found


@pytest.mark.parametrize(("name", "raw"), _inputs(), ids=[name for name, _ in _inputs()])
def test_fast_reading_equals_the_whole_reading(name: str, raw: bytes) -> None:
    fast = classify(raw, now=NOW)
    assert fast == classify_whole(raw, now=NOW)
    expected = {
        "dsn": MailKind.BOUNCE,
        "qmail": MailKind.BOUNCE,
        "out-of-office": MailKind.AUTO_REPLY,
        "x-autoreply": MailKind.AUTO_REPLY,
        "person": MailKind.PERSON_REPLY,
        "no-id-accented": MailKind.PERSON_REPLY,
        "noise": MailKind.OTHER,
        "no-sender": MailKind.OTHER,
    }.get(name, MailKind.CALENDAR_REPLY)
    assert fast.kind is expected
    if name == "no-id-accented":
        assert fast.key.startswith("sha256:") and fast.subject == "Réponse : je serai présente"
