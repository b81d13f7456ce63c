"""Polish of issue 12: the printed compte rendu and attendance sheet, checked on WeasyPrint's own layout.

The PDFs are laid out by WeasyPrint; these tests read the page boxes it computes (the same layout that
`write_pdf` prints) to see where rows fall.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from weasyprint import HTML

from concertation.demo import load_demo
from concertation.extensions import db
from concertation.invitations import services as invitations
from concertation.invitations.models import Answer, AnswerSource, Channel
from concertation.minutes.actions import ActionInput, add_action
from concertation.minutes.document import build_document, document_print_html
from concertation.minutes.minutes import ensure_minutes
from concertation.minutes.sheet import build_sheet, sheet_html
from tests.common import db as f
from tests.common.db.minutes import convoked_then_held, mark_held
from tests.common.db.territory import MENDE

pytestmark = pytest.mark.usefixtures("lozere")


def _boxes(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", None) or []:
        yield from _boxes(child)


def _text(box: Any) -> str:
    return " ".join(b.text for b in _boxes(box) if type(b).__name__ == "TextBox")


def _pages(html: str) -> list[Any]:
    return [page._page_box for page in HTML(string=html).render().pages]


def _body_rows(page: Any) -> list[Any]:
    """The rows of the page's table bodies (the repeated headers left out), in page order."""
    return [
        row
        for group in _boxes(page)
        if type(group).__name__ == "TableRowGroupBox" and not group.is_header
        for row in group.children
        if type(row).__name__ == "TableRowBox"
    ]


def test_the_minutes_pdf_keeps_each_action_row_whole_and_rules_its_tables(app: Flask) -> None:
    f.gevaudan_elus()
    meeting = convoked_then_held(app)
    mark_held(meeting)
    elu = invitations.invitations_of(meeting)[0].person
    for n in range(45):
        add_action(
            meeting,
            ActionInput(
                title=f"Action {n} : "
                + "reprendre le dossier de la voirie communale avec le service " * (n % 4 + 1),
                owner_person_id=elu.id,
                owner_service="",
                due_on=f.paris(2026, 12, 1).date(),
                decision_id=None,
            ),
        )
    minutes = ensure_minutes(meeting)
    db.session.commit()
    pages = _pages(document_print_html(build_document(minutes)))
    assert len(pages) > 2
    rows = [row for page in pages for row in _body_rows(page)]
    # A row cut by a page break would be two boxes, the second without its title.
    assert len(rows) == 45
    assert all(_text(row).startswith("Action ") for row in rows)
    cells = [cell for page in pages for cell in _boxes(page) if type(cell).__name__ == "TableCellBox"]
    assert cells and all(cell.style["border_top_width"] > 0 for cell in cells)
    assert all(cell.style["border_left_width"] > 0 for cell in cells)


def test_the_attendance_sheet_has_a_representative_column_and_keeps_each_commune_together(
    app: Flask,
) -> None:
    load_demo()
    meeting = convoked_then_held(app, "rendez_vous", town=MENDE, title="Rendez-vous de Mende")
    emailed = [i for i in invitations.invitations_of(meeting) if i.channel == Channel.EMAIL]
    invitations.record_answer(
        emailed[0], Answer.REPRESENTE, source=AnswerSource.LINK, represented_by="Mme Première adjointe"
    )
    db.session.commit()
    sheet = build_sheet(meeting)
    rows = {row.name: row for group in sheet.groups for sub in group.subgroups for row in sub.rows}
    assert rows[emailed[0].person.display_name].represented_by == "Mme Première adjointe"

    pages = _pages(sheet_html(meeting))
    assert len(pages) > 2
    html_text = " ".join(_text(page) for page in pages)
    assert "Représenté(e) par" in html_text and "Mme Première adjointe" in html_text
    communes = {sub.title: len(sub.rows) for group in sheet.groups for sub in group.subgroups if sub.title}
    seen_on: dict[str, set[int]] = {}
    for number, page in enumerate(pages):
        body = _body_rows(page)
        # A commune's heading is never the last line of a page.
        assert not body or _text(body[-1]) not in communes, (number, _text(body[-1]))
        for group in _boxes(page):
            if type(group).__name__ == "TableRowGroupBox" and not group.is_header and group.children:
                first = _text(group.children[0])
                if first in communes:
                    seen_on.setdefault(first, set()).add(number)
    # Every commune whose rows fit on a page is printed on one page.

    small = [name for name, count in communes.items() if count <= 10]
    assert small and all(len(seen_on[name]) == 1 for name in small if name in seen_on)
    assert len(seen_on) >= len(small)
