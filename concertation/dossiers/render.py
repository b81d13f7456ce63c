"""The dossier as a printed document: HTML laid out for A4, then PDF through WeasyPrint.

The PDF is PDF/UA-1 (WeasyPrint 70 tags the structure and writes the language and title the HTML
declares), so that a screen reader follows headings and tables in order.
"""

from __future__ import annotations

from flask import render_template

from concertation.core.dates import format_day
from concertation.core.numbers import format_number
from concertation.dossiers.content import Dossier
from concertation.dossiers.typography import euros, french_text, percent
from concertation.notifications.emails import ORGANISER_CONTACT
from concertation.notifications.pdf import html_to_pdf

PDF_VARIANT = "pdf/ua-1"


def dossier_html(dossier: Dossier) -> str:
    """The HTML document that is printed (French typography applied to every text it shows)."""
    return render_template(
        "dossiers/dossier.html",
        dossier=dossier,
        contact=ORGANISER_CONTACT,
        fr=french_text,
        euros=euros,
        percent=percent,
        number=format_number,
        day=format_day,
    )


def dossier_pdf(dossier: Dossier) -> bytes:
    return html_to_pdf(dossier_html(dossier), variant=PDF_VARIANT)
