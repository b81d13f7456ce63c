"""Invitation emails, point by point of shared/ICAL.md (1-8), the templates, and a real SMTP trip."""

from __future__ import annotations

import email
import email.policy
import re
import smtplib
from collections.abc import Iterator
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
import vobject
from aiosmtpd.controller import Controller
from flask import Flask, render_template

from concertation.core.timeutils import PARIS
from concertation.notifications import mime_headers, mime_writer
from concertation.notifications.addresses import UnwritableAddress
from concertation.notifications.ics import meeting_to_ical, meeting_uid
from concertation.notifications.ics_types import AttendeeData, EventData, Method
from concertation.notifications.mime import as_bytes, build_invitation_message, build_simple_message
from concertation.notifications.mime_headers import stable_message_id
from concertation.notifications.mime_writer import InvitationWriter
from concertation.notifications.models import MessageKind
from concertation.notifications.wording import format_meeting_time, subject_for
from tests.common.smtp import SmtpSink, free_port

HOST = "concertation.lozere.fr"
SENDER = "Concertation – Lozère <concertation@lozere.fr>"
ORGANISER = "economie@lozere.fr"
RSVP = "https://concertation.lozere.fr/r/eyJpIjoxN30.signature"
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def make_ics(method: Method = Method.REQUEST, *, sequence: int = 0, whole_meeting: bool = True) -> bytes:
    event = EventData(
        uid=meeting_uid(42, HOST),
        sequence=sequence,
        summary="Rendez-vous de Territoire du Gévaudan",
        description="Rendez-vous de Territoire\n\nOrdre du jour :\n- Diagnostic",
        location="Salle des fêtes, Marvejols",
        starts_at=datetime(2026, 10, 26, 10, tzinfo=PARIS),
        ends_at=datetime(2026, 10, 26, 12, tzinfo=PARIS),
        dtstamp=datetime(2026, 10, 1, 8, tzinfo=UTC),
        organiser_name="Département de la Lozère – DATE",
        organiser_email=ORGANISER,
        rsvp_url=RSVP,
    )
    attendee = AttendeeData(name="Élodie Fabre", email="elodie.fabre@example.org")
    return meeting_to_ical(event, attendee, method=method, whole_meeting=whole_meeting)


def build(method: Method = Method.REQUEST, **changes: object) -> tuple[EmailMessage, bytes]:
    ics = changes.pop("ics") if "ics" in changes else make_ics(method)
    assert isinstance(ics, bytes)
    arguments: dict[str, object] = {
        "sender": SENDER,
        "reply_to": f"Département de la Lozère – DATE <{ORGANISER}>",
        "to_name": "Élodie Fabre",
        "to_email": "elodie.fabre@example.org",
        "subject": subject_for(MessageKind.INVITATION, "Rendez-vous de Territoire du Gévaudan"),
        "text_body": "Madame,\n\nVous êtes invitée à la réunion « Rendez-vous ».\n",
        "html_body": "<p>Madame,</p><p>Vous êtes invitée à la réunion « Rendez-vous ».</p>",
        "ics": ics,
        "method": method,
        "message_id": stable_message_id("invitation", 17, 0, HOST),
        "date": datetime(2026, 10, 1, 8, tzinfo=UTC),
    }
    arguments.update(changes)
    return build_invitation_message(**arguments), ics  # type: ignore[arg-type]


def reparse(message: EmailMessage) -> EmailMessage:
    """What a receiving client sees: the SMTP bytes parsed again."""
    parsed = email.message_from_bytes(as_bytes(message), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def parts_of(message: EmailMessage) -> list[EmailMessage]:
    payload = message.get_payload()
    assert isinstance(payload, list)
    return payload


def assert_invitation_shape(message: EmailMessage, ics: bytes, method: str) -> None:
    """ICAL.md points 2-5 on a parsed message."""
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = parts_of(message)
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in parts_of(alternative)] == [
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    calendar = parts_of(alternative)[2]
    assert calendar.get_param("method") == method
    assert str(calendar.get_param("charset")).upper() == "UTF-8"
    assert calendar["Content-Disposition"] is None
    assert calendar["Content-ID"] is None
    assert attachment.get_content_type() == "application/ics"
    assert attachment.get_content_disposition() == "attachment"
    assert str(attachment.get_filename()).endswith(".ics")
    for part in (calendar, attachment):
        assert part["Content-Transfer-Encoding"] == "base64"
        decoded = part.get_payload(decode=True)
        assert decoded == ics
        assert isinstance(decoded, bytes)
        assert b"\r\n" in decoded
        assert b"\n" not in decoded.replace(b"\r\n", b"")
        # The METHOD inside equals the MIME parameter (point 4).
        assert f"\r\nMETHOD:{method}\r\n".encode() in decoded
        vobject.readOne(decoded.decode("utf-8"), validate=True)


# -- the tree (points 2-5) -------------------------------------------------------------------


@pytest.mark.parametrize("method", [Method.REQUEST, Method.CANCEL])
def test_mime_tree(method: Method) -> None:
    message, ics = build(method)
    assert_invitation_shape(message, ics, method.value)
    assert_invitation_shape(reparse(message), ics, method.value)


def test_calendar_content_type_is_written_as_clients_expect() -> None:
    message, _ = build(Method.CANCEL)
    raw = as_bytes(message)
    assert b"\r\nContent-Type: text/calendar; method=CANCEL; charset=UTF-8\r\n" in raw


def test_text_parts_are_quoted_printable_utf8() -> None:
    received = reparse(build()[0])
    plain, html, _ = parts_of(parts_of(received)[0])
    for part, expected in ((plain, "invitée à la réunion « Rendez-vous »"), (html, "<p>Madame,</p>")):
        assert part["Content-Transfer-Encoding"] == "quoted-printable"
        assert str(part.get_param("charset")).lower() == "utf-8"
        assert expected in part.get_content()


def test_method_mismatch_and_wrong_names_are_refused() -> None:
    with pytest.raises(ValueError, match="METHOD"):
        build(Method.REQUEST, ics=make_ics(Method.CANCEL))
    with pytest.raises(ValueError, match="REQUEST or CANCEL"):
        build(Method.REPLY, ics=make_ics(Method.REQUEST))
    with pytest.raises(ValueError, match=r"\*\.ics"):
        build(filename="invitation.txt")
    with pytest.raises(ValueError, match="Message-ID"):
        build(message_id="invitation-17")


# -- headers (points 1, 6, 7, 8) -------------------------------------------------------------


def test_headers() -> None:
    received = reparse(build()[0])
    assert received["Subject"] == "Invitation : Rendez-vous de Territoire du Gévaudan"
    assert received["From"].addresses[0].addr_spec == "concertation@lozere.fr"
    assert received["Reply-To"].addresses[0].addr_spec == ORGANISER
    (to,) = received["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Élodie Fabre", "elodie.fabre@example.org")
    assert received["Message-ID"] == "<invitation-17-seq-0@concertation.lozere.fr>"
    assert parsedate_to_datetime(received["Date"]) == datetime(2026, 10, 1, 8, tzinfo=UTC)
    assert received["MIME-Version"] == "1.0"
    for absent in ("Cc", "Bcc"):
        assert received[absent] is None


def test_date_defaults_to_now() -> None:
    message, _ = build(date=None)
    sent = parsedate_to_datetime(reparse(message)["Date"])
    assert abs((sent - datetime.now(UTC)).total_seconds()) < 60


def test_to_holds_the_invitee_alone_even_with_a_tricky_name() -> None:
    message, _ = build(to_name='Fabre, Élodie "Lolo"\r\nBcc: intrus@example.org')
    received = reparse(message)
    (to,) = received["To"].addresses
    assert to.addr_spec == "elodie.fabre@example.org"
    assert "Fabre, Élodie" in to.display_name
    assert received["Bcc"] is None
    assert b"\r\nBcc:" not in as_bytes(message)


@pytest.mark.parametrize(
    ("kind", "prefix"),
    [
        (MessageKind.INVITATION, "Invitation"),
        (MessageKind.UPDATE, "Modification"),
        (MessageKind.CANCEL, "Annulation"),
    ],
)
def test_subjects_survive_encoding(kind: MessageKind, prefix: str) -> None:
    subject = subject_for(kind, "Concertation « Cœur de Lozère »", "lundi 26 octobre 2026")
    received = reparse(build(subject=subject)[0])
    assert received["Subject"] == f"{prefix} : Concertation « Cœur de Lozère » – lundi 26 octobre 2026"


def test_stable_message_id() -> None:
    first = stable_message_id("invitation", 17, 2, HOST)
    assert first == "<invitation-17-seq-2@concertation.lozere.fr>"
    assert stable_message_id("invitation", 17, 2, HOST) == first
    assert stable_message_id("invitation", 17, 3, HOST) != first
    assert stable_message_id("cancel", 17, 3, HOST) != stable_message_id("update", 17, 3, HOST)
    for kind, host in (("a b", HOST), ("x", "evil>\r\nBcc: y")):
        with pytest.raises(ValueError):
            stable_message_id(kind, 1, 0, host)


def test_as_bytes_is_smtp_ready() -> None:
    raw = as_bytes(build()[0])
    assert raw.isascii(), "every non-ASCII byte is encoded (QP, base64, RFC 2047)"
    lines = raw.split(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in lines) <= 78


# -- plain messages (reminders, minutes) -----------------------------------------------------


def test_simple_message_without_attachment() -> None:
    message = build_simple_message(
        sender=SENDER,
        reply_to=ORGANISER,
        to_name="Élodie Fabre",
        to_email="elodie.fabre@example.org",
        subject="Rappel : réunion demain",
        text_body="Rappel é\n",
        html_body="<p>Rappel é</p>",
        message_id=stable_message_id("reminder", 17, 0, HOST),
    )
    received = reparse(message)
    assert received.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in parts_of(received)] == ["text/plain", "text/html"]
    # Lines come back with the CRLF of the wire.
    assert parts_of(received)[0].get_content().replace("\r\n", "\n") == "Rappel é\n"


def test_simple_message_with_attachments() -> None:
    pdf = b"%PDF-1.7\n\x00\xff binary"
    message = build_simple_message(
        sender=SENDER,
        reply_to=None,
        to_name="Élodie Fabre",
        to_email="elodie.fabre@example.org",
        subject="Compte rendu",
        text_body="Ci-joint le compte rendu.\n",
        html_body="<p>Ci-joint le compte rendu.</p>",
        message_id=stable_message_id("minutes", 5, 0, HOST),
        attachments=[("compte-rendu-réunion.pdf", "application/pdf", pdf)],
    )
    received = reparse(message)
    assert received["Reply-To"] is None
    alternative, attachment = parts_of(received)
    assert alternative.get_content_type() == "multipart/alternative"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "compte-rendu-réunion.pdf"
    assert attachment.get_payload(decode=True) == pdf
    with pytest.raises(ValueError, match="MIME type"):
        build_simple_message(
            sender=SENDER,
            reply_to=None,
            to_name="x",
            to_email="x@example.org",
            subject="x",
            text_body="x",
            html_body="x",
            message_id="<a@b>",
            attachments=[("x.bin", "octet-stream", b"")],
        )


# -- the templates ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def templates_app() -> Flask:
    """Flask's own Jinja environment (autoescape for .html), without the database."""
    return Flask(__name__, template_folder=str(TEMPLATES))


def context(**changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "meeting": SimpleNamespace(
            title="Rendez-vous de Territoire du Gévaudan <b>",
            kind=SimpleNamespace(label="Rendez-vous de Territoire"),
        ),
        "person": SimpleNamespace(civility="M.", display_name="M. Jean Dupont"),
        "when": format_meeting_time(
            datetime(2026, 5, 12, 12, tzinfo=UTC), datetime(2026, 5, 12, 15, tzinfo=UTC)
        ),
        "location": "Salle des fêtes, Marvejols",
        "agenda": ["Diagnostic du territoire", "Projets & priorités <script>alert(1)</script>"],
        "qualities": ["Maire de Marvejols", "Président de la CC du Gévaudan"],
        "rsvp_url": RSVP,
        "contact": {
            "service": "Direction de l'Aménagement du Territoire et de l'Économie",
            "phone": "04 66 49 66 50",
            "email": "economie@lozere.fr",
        },
    }
    values.update(changes)
    return values


def render(app: Flask, name: str, **changes: object) -> str:
    with app.app_context():
        return render_template(f"emails/{name}", **context(**changes))


ANSWERS = ("present", "absent", "represente", "peut_etre")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self.lang = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "a":
            self.links.append(dict(attrs).get("href") or "")
        if tag == "html":
            self.lang = dict(attrs).get("lang") or ""

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def read_html(source: str) -> _Collector:
    collector = _Collector()
    collector.feed(source)
    return collector


def test_invitation_text(templates_app: Flask) -> None:
    text = render(templates_app, "invitation.txt")
    assert text.startswith("Monsieur,\n\n")
    assert "Date : mardi 12 mai 2026 de 14 h 00 à 17 h 00" in text
    assert "Lieu : Salle des fêtes, Marvejols" in text
    assert "1. Diagnostic du territoire" in text
    assert "Vous êtes invité(e) en qualité de : Maire de Marvejols, Président de la CC du Gévaudan" in text
    for answer, label in zip(ANSWERS, ("Présent(e)", "Absent(e)", "Représenté(e)", "Peut-être"), strict=True):
        assert f"{label} : {RSVP}?reponse={answer}" in text
    assert "Direction de l'Aménagement du Territoire et de l'Économie" in text
    assert "04 66 49 66 50" in text and "economie@lozere.fr" in text
    # Plain text is not HTML-escaped, and has no run of blank lines.
    assert "Projets & priorités <script>" in text
    assert "\n\n\n" not in text


def test_invitation_html(templates_app: Flask) -> None:
    html = render(templates_app, "invitation.html")
    page = read_html(html)
    assert page.lang == "fr"
    assert "title" in page.tags and "h1" in page.tags
    assert [link for link in page.links if "reponse=" in link] == [f"{RSVP}?reponse={a}" for a in ANSWERS]
    assert "mailto:economie@lozere.fr" in page.links
    # Escaped: the agenda item and the title stay text.
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "Gévaudan &lt;b&gt;" in html
    assert "style=" in html and "<style" not in html and "<link" not in html
    text = " ".join("".join(page.text).split())
    assert "Vous êtes invité(e) en qualité de : Maire de Marvejols, Président de la CC du Gévaudan" in text
    assert "mardi 12 mai 2026 de 14 h 00 à 17 h 00" in text


def test_answer_links_keep_an_existing_query_string(templates_app: Flask) -> None:
    url = "https://concertation.lozere.fr/reponse?jeton=abc"
    assert f"{url}&reponse=absent" in render(templates_app, "invitation.txt", rsvp_url=url)
    page = read_html(render(templates_app, "invitation.html", rsvp_url=url))
    assert f"{url}&reponse=absent" in page.links  # written &amp; in the source, read back as &


def test_greeting_follows_civility(templates_app: Flask) -> None:
    madame = SimpleNamespace(civility="Mme", display_name="Mme Élodie Fabre")
    assert render(templates_app, "invitation.txt", person=madame).startswith("Madame,\n")
    assert render(templates_app, "invitation.txt", person=None).startswith("Madame, Monsieur,\n")


def test_defaults_when_optional_values_are_missing(templates_app: Flask) -> None:
    text = render(templates_app, "invitation.txt", contact=None, location="", agenda=[], qualities=[])
    assert "Lieu : à préciser" in text
    assert "Ordre du jour" not in text and "qualité" not in text
    assert "economie@lozere.fr" in text


def test_update_templates(templates_app: Flask) -> None:
    changes = ["Nouvelle date : jeudi 14 mai 2026 de 9 h 00 à 12 h 00"]
    text = render(templates_app, "update.txt", changes=changes, answers_reset=True)
    assert "a été modifiée" in text
    assert f"- {changes[0]}" in text
    assert "merci de répondre à nouveau" in text
    assert f"{RSVP}?reponse=present" in text
    assert "\n\n\n" not in text
    kept = render(templates_app, "update.txt", answers_reset=False)
    assert "reste enregistrée" in kept and "répondre à nouveau" not in kept
    html = render(templates_app, "update.html", changes=changes, answers_reset=True)
    assert "modifiée" in html and "répondre à nouveau" in html
    assert len([link for link in read_html(html).links if "reponse=" in link]) == 4


def test_cancel_templates(templates_app: Flask) -> None:
    whole = render(templates_app, "cancel.txt", whole_meeting=True, reason="Intempéries")
    assert "la réunion suivante est annulée" in whole
    assert "Motif : Intempéries" in whole
    assert "reponse=" not in whole and "qualité" not in whole
    assert "\n\n\n" not in whole
    removal = render(templates_app, "cancel.txt", whole_meeting=False)
    assert "votre invitation à la réunion suivante est annulée" in removal
    html = render(templates_app, "cancel.html", whole_meeting=False, reason="<i>erreur</i>")
    assert "votre invitation" in html and "&lt;i&gt;erreur&lt;/i&gt;" in html
    assert not [link for link in read_html(html).links if "reponse=" in link]


# -- a real SMTP server ----------------------------------------------------------------------


@pytest.fixture()
def smtp_sink() -> Iterator[SmtpSink]:
    """aiosmtpd on loopback, without the app: these builders need no database."""
    port = free_port()
    sink = SmtpSink("127.0.0.1", port)
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def test_invitation_and_cancellation_survive_a_real_smtp_server(
    templates_app: Flask, smtp_sink: SmtpSink
) -> None:
    sent = []
    for method, kind, template, sequence in (
        (Method.REQUEST, MessageKind.INVITATION, "invitation", 0),
        (Method.CANCEL, MessageKind.CANCEL, "cancel", 1),
    ):
        ics = make_ics(method, sequence=sequence)
        message = build_invitation_message(
            sender=SENDER,
            reply_to=ORGANISER,
            to_name="Élodie Fabre",
            to_email="elodie.fabre@example.org",
            subject=subject_for(kind, "Rendez-vous de Territoire du Gévaudan"),
            text_body=render(templates_app, f"{template}.txt"),
            html_body=render(templates_app, f"{template}.html"),
            ics=ics,
            method=method,
            message_id=stable_message_id(kind.value, 17, sequence, HOST),
        )
        sent.append((message, ics, method))
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=10) as smtp:
        for message, _, _ in sent:
            smtp.sendmail("concertation@lozere.fr", ["elodie.fabre@example.org"], as_bytes(message))

    assert len(smtp_sink.messages) == 2
    for (mail_from, rcpt_tos, raw), (message, ics, method) in zip(smtp_sink.messages, sent, strict=True):
        assert (mail_from, rcpt_tos) == ("concertation@lozere.fr", ["elodie.fabre@example.org"])
        received = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(received, EmailMessage)
        assert_invitation_shape(received, ics, method.value)
        assert received["Message-ID"] == message["Message-ID"]
        assert received["Subject"] == message["Subject"]
        assert received["Reply-To"].addresses[0].addr_spec == ORGANISER
        (to,) = received["To"].addresses
        assert (to.display_name, to.addr_spec) == ("Élodie Fabre", "elodie.fabre@example.org")
        plain = parts_of(parts_of(received)[0])[0].get_content()
        assert "mardi 12 mai 2026 de 14 h 00 à 17 h 00" in plain
        event = vobject.readOne(parts_of(received)[1].get_payload(decode=True).decode(), validate=True)
        assert event.vevent.uid.value == "meeting-42@concertation.lozere.fr"
        assert event.vevent.sequence.value == str(0 if method is Method.REQUEST else 1)


# -- accented headers: exact round trip ------------------------------------------------------

ACCENTED_TEXTS = [
    "Invitation : Concertation « Cœur de Lozère » – lundi 26 octobre 2026",
    "Modification : Rendez-vous de Territoire de la Communauté de communes du Haut Allier — "
    "élaboration du contrat 2026-2028 🏔️, priorités « économie », « tourisme »",
    "Marie-Thérèse de La Rochefoucauld-Montbéliard, Présidente de la Communauté de communes",
]


def random_texts(count: int) -> list[str]:
    import random

    generator = random.Random(20260512)
    alphabet = list("abcdefgh ijkl  éèàœÉ«»–— 😀,;:'\"()<>@")
    texts = []
    for _ in range(count):
        text = " ".join("".join(generator.choice(alphabet) for _ in range(generator.randint(1, 160))).split())
        if text:
            texts.append(text)
    return texts


def raw_header(raw: bytes, name: str) -> str:
    """A header of the SMTP bytes, unfolded, still encoded."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii").replace("\r\n ", " ")
    (value,) = [line.split(": ", 1)[1] for line in head.split("\r\n") if line.startswith(f"{name}: ")]
    return value


@pytest.mark.parametrize("text", ACCENTED_TEXTS + random_texts(100), ids=lambda text: str(len(text)))
def test_accented_headers_come_back_exactly(text: str) -> None:
    message, _ = build(
        subject=text,
        to_name=text,
        sender=Address(display_name=text, addr_spec="concertation@lozere.fr"),
        reply_to=Address(display_name=text, addr_spec=ORGANISER),
    )
    raw = as_bytes(message)
    assert max(len(line) for line in raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")) <= 78
    received = reparse(message)
    assert received["Subject"] == text
    assert message["Subject"] == text  # read on the built message too
    for header, address in (
        ("To", "elodie.fabre@example.org"),
        ("From", "concertation@lozere.fr"),
        ("Reply-To", ORGANISER),
    ):
        (mailbox,) = received[header].addresses
        assert mailbox.addr_spec == address
        value = raw_header(raw, header)
        if text.isascii():
            assert mailbox.display_name == text
            continue
        # RFC 2047 reading, as mail clients do: the space between two adjacent encoded-words is dropped.
        assert str(make_header(decode_header(value))) == f"{text} <{address}>"
        if not re.search(r"\?=\s+=\?", value):
            # Python's address parser keeps that space; with no adjacent encoded-words it agrees too.
            assert mailbox.display_name == text


def test_realistic_accented_names_are_single_encoded_runs() -> None:
    for name in ("Élodie Fabre", "Département de la Lozère – DATE", ACCENTED_TEXTS[2]):
        received = reparse(build(to_name=name)[0])
        assert received["To"].addresses[0].display_name == name


# -- the batch writer: the same bytes, faster ---------------------------------------------------

BOUNDARY = re.compile(rb"={15}[0-9]{19}==")
WRITER_NAMES = [
    "Élodie Fabre",
    "Jean Martin",
    "Jean-Pierre O'Neil",
    "M. Dupont",
    'Jean "Jo" Dupont, maire',
    "Jérôme  Lefèvre\n",
    "",
    "x" * 75,
    *ACCENTED_TEXTS[2:],
]
WRITER_BODIES = [
    "Madame,\n\nVous êtes invitée à la réunion « Rendez-vous ».\n",
    "",
    "x" * 300 + " \nfin\t\n\n=\n",
    "a\r\nb\rc\x0bd\x85e\u2028f",
    *random_texts(5),
]


def _without_boundaries(raw: bytes) -> bytes:
    # The generator's boundaries are random; the rest must be equal byte for byte.
    return BOUNDARY.sub(b"BOUNDARY", raw)


@pytest.mark.parametrize("method", [Method.REQUEST, Method.CANCEL])
def test_writer_gives_the_bytes_of_the_email_package(method: Method) -> None:
    ics = make_ics(method)
    filename = "annulation.ics" if method is Method.CANCEL else "invitation.ics"
    date = datetime(2026, 10, 1, 8, tzinfo=UTC)
    for subject in (subject_for(MessageKind.INVITATION, "Rendez-vous du Gévaudan"), ACCENTED_TEXTS[1]):
        writer = InvitationWriter(
            sender=SENDER,
            reply_to=f"Département de la Lozère – DATE <{ORGANISER}>",
            subject=subject,
            method=method,
            filename=filename,
            date=date,
        )
        for index, (name, body) in enumerate(zip(WRITER_NAMES * 2, WRITER_BODIES * 3, strict=False)):
            arguments = {
                "to_name": name,
                "to_email": f"invite{index}@example.org",
                "text_body": body,
                "html_body": f"<p>{body}</p>",
                "ics": ics,
                "message_id": stable_message_id("invitation", index, 0, HOST),
            }
            reference, _ = build(method, subject=subject, filename=filename, date=date, **arguments)
            fast = writer.to_bytes(**arguments)  # type: ignore[arg-type]
            assert _without_boundaries(fast) == _without_boundaries(as_bytes(reference)), (name, body)
            assert len(set(BOUNDARY.findall(fast))) == 2


@pytest.mark.parametrize("name", [*WRITER_NAMES, "a=?b", "Jean\tMartin", "Zoé", "Hélène " * 12])
@pytest.mark.parametrize(
    "address",
    ["jean.martin@example.org", "Jean.Martin+x@Mende.fr", "x" * 60 + "@example.org", '"a b"@example.org'],
)
def test_short_header_paths_agree_with_the_header_registry(name: str, address: str) -> None:
    expected = mime_writer._header_line("To", mime_headers.mailbox("To", address, name=name))
    assert mime_writer._to_line(name, address) == expected


def test_short_message_id_path_agrees_with_the_header_registry() -> None:
    for message_id in (stable_message_id("annulation", 12345, 7, HOST), "<" + "a" * 80 + "@h>", "<a(b)@h>"):
        assert mime_writer._message_id_line(message_id) == mime_writer._header_line("Message-ID", message_id)


def test_writer_refuses_what_build_invitation_message_refuses() -> None:
    writer = InvitationWriter(sender=SENDER, reply_to=ORGANISER, subject="Invitation", method=Method.REQUEST)
    arguments = {
        "to_name": "Élodie Fabre",
        "to_email": "elodie.fabre@example.org",
        "text_body": "",
        "html_body": "",
        "message_id": "<invitation-1-seq-0@h>",
    }
    with pytest.raises(ValueError, match="METHOD"):
        writer.to_bytes(ics=make_ics(Method.CANCEL), **arguments)
    with pytest.raises(ValueError, match="Message-ID"):
        writer.to_bytes(ics=make_ics(), **{**arguments, "message_id": "invitation-1"})
    with pytest.raises(ValueError, match="adresse électronique utilisable"):
        writer.to_bytes(ics=make_ics(), **{**arguments, "to_email": "pas une adresse"})
    with pytest.raises(ValueError, match=r"\.ics"):
        InvitationWriter(sender=SENDER, reply_to=ORGANISER, subject="x", method=Method.CANCEL, filename="a")


# -- awkward addresses: one handling for the library path and the writer (issue 12, item 1) --

AWKWARD_NAMES = [
    "Zoë Dupré-O'Brien",
    "Dupré, Élodie",
    'Anne-Laure "Jo" Martin',
    "Marie-Thérèse d'Allègre, maire de Saint-Chély-d'Apcher",
    "Jean\u202e Durand\u000b Aîné\u0007",
]
AWKWARD_ADDRESSES = {
    "maire@mairie-lozère.fr": "maire@xn--mairie-lozre-6db.fr",
    "o'brien@example.org": "o'brien@example.org",
    "Contact@Saint-Chély-d-Apcher.fr": "Contact@xn--saint-chly-d-apcher-izb.fr",
}


@pytest.mark.parametrize("name", AWKWARD_NAMES)
@pytest.mark.parametrize("address", list(AWKWARD_ADDRESSES))
def test_awkward_addresses_are_written_alike_by_both_paths(name: str, address: str) -> None:
    writer = InvitationWriter(
        sender=SENDER,
        reply_to=Address("Département de la Lozère", addr_spec=ORGANISER),
        subject="x",
        method=Method.REQUEST,
        date=datetime(2026, 10, 1, 8, tzinfo=UTC),
    )
    arguments = {
        "to_name": name,
        "to_email": address,
        "text_body": "Bonjour",
        "html_body": "<p>Bonjour</p>",
        "ics": make_ics(),
        "message_id": stable_message_id("invitation", 1, 0, HOST),
    }
    reference, _ = build(
        subject="x", reply_to=Address("Département de la Lozère", addr_spec=ORGANISER), **arguments
    )
    fast = writer.to_bytes(**arguments)  # type: ignore[arg-type]
    assert _without_boundaries(fast) == _without_boundaries(as_bytes(reference))
    assert fast.isascii()
    parsed = email.message_from_bytes(fast, policy=email.policy.default)
    (to,) = parsed["To"].addresses
    assert to.addr_spec == AWKWARD_ADDRESSES[address]
    assert to.display_name == " ".join(name.replace("\u202e", "").replace("\u0007", "").split())
    assert not parsed.defects and not parsed["To"].defects


def test_an_accented_local_part_cannot_be_written_by_either_path() -> None:
    writer = InvitationWriter(sender=SENDER, reply_to=ORGANISER, subject="x", method=Method.REQUEST)
    arguments = {
        "to_name": "Élodie Dupré",
        "to_email": "élodie.dupre@mairie-lozère.fr",
        "text_body": "",
        "html_body": "",
        "ics": make_ics(),
        "message_id": stable_message_id("invitation", 1, 0, HOST),
    }
    for write in (lambda: writer.to_bytes(**arguments), lambda: build(**arguments)):  # type: ignore[arg-type]
        with pytest.raises(UnwritableAddress, match="accentués avant « @ »"):
            write()
