"""French typography of the printed dossier, its accessibility metadata, and dates on DST days."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from flask import Flask
from pypdf import PdfReader

from concertation.dossiers.content import build_dossier
from concertation.dossiers.render import dossier_html, dossier_pdf
from concertation.dossiers.typography import euros, french_text, percent
from concertation.extensions import db
from tests.common import db as f
from tests.common.db import dossiers as d
from tests.common.pdf import pdf_text

NARROW, NBSP = "\u202f", "\u00a0"


class Texts(HTMLParser):
    """The text of a page as a reader sees it: outside <style>, with entities resolved."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self.in_style = False

    def handle_data(self, data: str) -> None:
        if not self.in_style:
            self.parts.append(data)


def _texts(html: str) -> list[str]:
    parser = Texts()
    parser.feed(html)
    return [part for part in parser.parts if part.strip()]


def test_french_text_and_amounts() -> None:
    assert french_text("Enjeux : l'eau ; « santé » ! Pourquoi ?") == (
        f"Enjeux{NARROW}: l'eau{NARROW}; «{NARROW}santé{NARROW}»{NARROW}! Pourquoi{NARROW}?"
    )
    # Whatever space was typed, or none.
    assert french_text("a:b «c»") == f"a{NARROW}:b «{NARROW}c{NARROW}»"
    # Times and addresses keep their colon; other domains' amounts get narrow thousands.
    assert french_text("à 14:00, https://lozere.fr") == "à 14:00, https://lozere.fr"
    assert french_text(f"12{NBSP}500,50{NBSP}€") == f"12{NARROW}500,50{NBSP}€"
    assert euros(Decimal("1234567.5")) == f"1{NARROW}234{NARROW}567,50{NBSP}€"
    assert euros(Decimal("0")) == f"0,00{NBSP}€"
    assert percent(Decimal("93.3")) == f"93,3{NBSP}%" and percent(None) == "—"


@pytest.mark.usefixtures("lozere")
def test_the_gevaudan_dossier_is_typeset_the_french_way(app: Flask) -> None:
    d.demo_data()
    meeting = d.gevaudan_concertation()
    meeting.agenda_items[0].title = "Budget : priorités ; « eau potable » ?"
    db.session.commit()
    dossier = build_dossier(meeting, version=1, now=datetime(2026, 12, 4, 17, 0, tzinfo=UTC))
    html = dossier_html(dossier)
    assert '<html lang="fr">' in html and "<title>Dossier de séance — " in html
    texts = _texts(html)
    joined = "\n".join(texts)
    assert f"Budget{NARROW}: priorités{NARROW}; «{NARROW}eau potable{NARROW}»{NARROW}?" in joined
    plan_total = euros(dossier.concertation.plan.total.grant) if dossier.concertation else ""
    assert plan_total and NARROW in plan_total and plan_total in joined
    # No ordinary or no-break space before the high punctuation, none after «; no amount grouped another way.
    for text in texts:
        assert not re.search(r"[ \u00a0][:;!?»]|«[ \u00a0]", text), text
        assert not re.search(r"\d[ \u00a0]\d{3}\b", text), text

    pdf = dossier_pdf(dossier)
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "fr" and root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root
    assert reader.metadata is not None and reader.metadata.title == dossier.title
    text = pdf_text(pdf)
    # Page numbers "page X / Y" and the table of contents with its page numbers.
    pages = len(reader.pages)
    assert f"page 1 / {pages}" in text and f"page {pages} / {pages}" in text
    assert re.search(r"La maquette financière \.{5,} *\d+", text)


@pytest.mark.usefixtures("lozere")
def test_dates_on_daylight_saving_days(app: Flask) -> None:
    # Summer time starts on Sunday 28 March 2027 at 2:00: a meeting at 10:00 is 8:00 UTC.
    meeting = f.meeting("concertation", starts_at=f.paris(2027, 3, 28, 10))
    db.session.commit()
    assert meeting.starts_at.astimezone(UTC).hour == 8
    # Winter time comes back on Sunday 25 October 2026: 0:30 and 1:30 UTC are both "2 h 30" in Lozère.
    before = build_dossier(meeting, version=1, now=datetime(2026, 10, 25, 0, 30, tzinfo=UTC))
    after = build_dossier(meeting, version=2, now=datetime(2026, 10, 25, 1, 30, tzinfo=UTC))
    assert before.meeting.when == "dimanche 28 mars 2027 de 10 h 00 à 13 h 00"
    assert before.generated == after.generated == "dimanche 25 octobre 2026 à 2 h 30"
    evening = build_dossier(meeting, version=3, now=datetime(2026, 10, 24, 22, 30, tzinfo=UTC))
    assert evening.generated == "dimanche 25 octobre 2026 à 0 h 30"
