"""Messages as mail clients and servers send them back, built byte for byte for IMAP APPEND.

The REPLY forms follow what each client writes (ICAL.md, point 22): Outlook (base64 text/calendar inline,
MAILTO: in capitals, X-MICROSOFT-* properties, a Windows time zone), Gmail (inline part plus an invite.ics
attachment), Apple Mail (a text/calendar attachment, quoted-printable), Thunderbird (inline part plus
an application/ics attachment).
"""

from __future__ import annotations

import base64
import quopri
from datetime import UTC, datetime
from email.utils import format_datetime, make_msgid

CRLF = "\r\n"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(
    form: str, *, uid: str, attendee: str, partstat: str, sequence: int, dtstamp: datetime, name: str = "Élu"
) -> str:
    """The REPLY object a client writes."""
    if form == "outlook":
        lines = [
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
            f"ATTENDEE;PARTSTAT={partstat};CN={name}:MAILTO:{attendee.upper()}",
            "COMMENT;LANGUAGE=fr-FR:\\n",
            "SUMMARY;LANGUAGE=fr-FR:Accepté : Concertation",
            "DTSTART;TZID=Romance Standard Time:20270309T140000",
            "DTEND;TZID=Romance Standard Time:20270309T160000",
            f"UID:{uid}",
            "CLASS:PUBLIC",
            "PRIORITY:5",
            f"DTSTAMP:{_stamp(dtstamp)}",
            "TRANSP:OPAQUE",
            "STATUS:CONFIRMED",
            f"SEQUENCE:{sequence}",
            f"X-MICROSOFT-CDO-APPT-SEQUENCE:{sequence}",
            "X-MICROSOFT-CDO-OWNERAPPTID:2118497742",
            "X-MICROSOFT-CDO-BUSYSTATUS:BUSY",
            "X-MICROSOFT-CDO-INTENDEDSTATUS:BUSY",
            "X-MICROSOFT-CDO-ALLDAYEVENT:FALSE",
            "X-MICROSOFT-CDO-IMPORTANCE:1",
            "X-MICROSOFT-CDO-INSTTYPE:0",
            "X-MICROSOFT-DONOTFORWARDMEETING:FALSE",
            "X-MICROSOFT-DISALLOW-COUNTER:FALSE",
            "END:VEVENT",
            "END:VCALENDAR",
        ]
    else:
        prodid = {
            "gmail": "-//Google Inc//Google Calendar 70.9054//EN",
            "apple": "-//Apple Inc.//macOS 14.4//EN",
            "thunderbird": "-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN",
        }[form]
        extra = ["X-MOZ-RECEIVED-SEQUENCE:0"] if form == "thunderbird" else []
        lines = [
            "BEGIN:VCALENDAR",
            f"PRODID:{prodid}",
            "VERSION:2.0",
            "CALSCALE:GREGORIAN",
            "METHOD:REPLY",
            "BEGIN:VEVENT",
            "DTSTART:20270309T130000Z",
            "DTEND:20270309T150000Z",
            f"DTSTAMP:{_stamp(dtstamp)}",
            "ORGANIZER;CN=Département de la Lozère:mailto:economie@lozere.fr",
            f"UID:{uid}",
            f'ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={partstat};CN="{name}":mailto:{attendee}',
            f"SEQUENCE:{sequence}",
            "STATUS:CONFIRMED",
            "SUMMARY:Concertation",
            *extra,
            "END:VEVENT",
            "END:VCALENDAR",
        ]
    return CRLF.join(lines) + CRLF


def _headers(sender: str, subject: str, **extra: str) -> list[str]:
    headers = [
        f"From: {sender}",
        "To: economie@lozere.fr",
        f"Subject: {subject}",
        f"Date: {format_datetime(datetime.now(UTC))}",
        f"Message-ID: {make_msgid(domain='client.example')}",
        "MIME-Version: 1.0",
    ]
    headers.extend(f"{name.replace('_', '-')}: {value}" for name, value in extra.items())
    return headers


def _b64(text: str) -> str:
    encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return CRLF.join(encoded[i : i + 76] for i in range(0, len(encoded), 76))


def reply_email(
    form: str,
    *,
    uid: str,
    attendee: str,
    partstat: str = "ACCEPTED",
    sequence: int = 0,
    dtstamp: datetime | None = None,
    sender: str | None = None,
) -> bytes:
    """A whole email carrying a REPLY, in the form `form` (outlook, gmail, apple, thunderbird)."""
    ics = calendar(
        form,
        uid=uid,
        attendee=attendee,
        partstat=partstat,
        sequence=sequence,
        dtstamp=dtstamp or datetime.now(UTC),
    )
    sender = sender or attendee
    if form == "outlook":
        headers = _headers(
            sender.upper(), "Accepté: Invitation : Concertation", Thread_Topic="Invitation : Concertation"
        )
        body = [
            'Content-Type: multipart/alternative; boundary="_000_outlook_"',
            "",
            "--_000_outlook_",
            'Content-Type: text/plain; charset="utf-8"',
            "Content-Transfer-Encoding: base64",
            "",
            _b64("Accepté"),
            "--_000_outlook_",
            'Content-Type: text/calendar; charset="utf-8"; method=REPLY',
            "Content-Transfer-Encoding: base64",
            "",
            _b64(ics),
            "--_000_outlook_--",
            "",
        ]
    elif form in ("gmail", "thunderbird"):
        attachment_type = "application/ics" if form == "thunderbird" else 'application/ics; name="invite.ics"'
        headers = _headers(sender, "Accepted: Concertation @ mar. 9 mars 2027")
        body = [
            'Content-Type: multipart/mixed; boundary="mixed"',
            "",
            "--mixed",
            'Content-Type: multipart/alternative; boundary="alt"',
            "",
            "--alt",
            'Content-Type: text/plain; charset="UTF-8"',
            "",
            f"{attendee} a accepté cette invitation.",
            "--alt",
            'Content-Type: text/calendar; charset="UTF-8"; method=REPLY',
            "Content-Transfer-Encoding: 7bit",
            "",
            ics,
            "--alt--",
            "--mixed",
            f"Content-Type: {attachment_type}",
            'Content-Disposition: attachment; filename="invite.ics"',
            "Content-Transfer-Encoding: base64",
            "",
            _b64(ics),
            "--mixed--",
            "",
        ]
    else:  # apple
        headers = _headers(f'"Élu" <{sender}>', "Invitation acceptée: Concertation")
        encoded = quopri.encodestring(ics.encode("utf-8")).decode("ascii")
        body = [
            'Content-Type: multipart/mixed; boundary="Apple-Mail=_1"',
            "",
            "--Apple-Mail=_1",
            "Content-Type: text/plain; charset=us-ascii",
            "",
            "",
            "--Apple-Mail=_1",
            'Content-Type: text/calendar; method=REPLY; name="iCal-20270309-140000.ics"',
            'Content-Disposition: attachment; filename="iCal-20270309-140000.ics"',
            "Content-Transfer-Encoding: quoted-printable",
            "",
            encoded,
            "--Apple-Mail=_1--",
            "",
        ]
    return CRLF.join(headers + body).encode("utf-8")


def dsn(recipient: str, original_message_id: str, *, status: str = "5.1.1") -> bytes:
    """An RFC 3464 report from the recipient's server, the original headers returned."""
    lines = [
        "From: Mail Delivery System <MAILER-DAEMON@mx.commune.example>",
        "To: economie@lozere.fr",
        "Subject: Undelivered Mail Returned to Sender",
        f"Date: {format_datetime(datetime.now(UTC))}",
        f"Message-ID: {make_msgid(domain='mx.commune.example')}",
        "Auto-Submitted: auto-replied",
        "MIME-Version: 1.0",
        'Content-Type: multipart/report; report-type=delivery-status; boundary="dsn"',
        "",
        "--dsn",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "I'm sorry to have to inform you that your message could not be delivered.",
        "--dsn",
        "Content-Type: message/delivery-status",
        "",
        "Reporting-MTA: dns; mx.commune.example",
        "Arrival-Date: Tue, 20 Oct 2026 10:00:00 +0200",
        "",
        f"Final-Recipient: rfc822; {recipient}",
        "Original-Recipient: rfc822;" + recipient,
        "Action: failed",
        f"Status: {status}",
        "Remote-MTA: dns; mx.commune.example",
        f"Diagnostic-Code: smtp; 550 {status} <{recipient}>: Recipient address rejected: User unknown",
        "",
        "--dsn",
        "Content-Type: text/rfc822-headers",
        "",
        "From: Concertation <concertation@lozere.fr>",
        f"To: {recipient}",
        "Subject: Invitation : Concertation",
        f"Message-ID: {original_message_id}",
        "",
        "--dsn--",
        "",
    ]
    return CRLF.join(lines).encode("utf-8")


def out_of_office(sender: str, in_reply_to: str = "", *, until: str = "15 mars 2027 inclus") -> bytes:
    headers = _headers(
        sender,
        "Réponse automatique : Invitation : Concertation",
        Auto_Submitted="auto-replied",
        X_Auto_Response_Suppress="All",
        **({"In_Reply_To": in_reply_to} if in_reply_to else {}),
    )
    body = [
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        f"Bonjour, je suis absent jusqu'au {until}. Pour toute urgence, contactez la mairie.",
        "",
    ]
    return CRLF.join(headers + body).encode("utf-8")


def person_reply(sender: str, text: str, in_reply_to: str = "") -> bytes:
    headers = _headers(
        sender, "RE: Invitation : Concertation", **({"In_Reply_To": in_reply_to} if in_reply_to else {})
    )
    body = [
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        text,
        "",
        "> Madame, Monsieur, vous êtes invité(e) à la réunion de concertation ;",
        "> merci de nous dire si vous serez présent.",
        "",
    ]
    return CRLF.join(headers + body).encode("utf-8")


def noise(index: int) -> bytes:
    headers = _headers(
        f"lettre{index}@newsletter.example",
        f"Lettre d'information n° {index}",
        List_Id="<info.newsletter.example>",
        Precedence="bulk",
    )
    return CRLF.join(
        [*headers, "Content-Type: text/plain; charset=utf-8", "", "Les nouvelles du mois.", ""]
    ).encode("utf-8")
