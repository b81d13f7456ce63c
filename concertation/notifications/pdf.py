"""HTML to PDF with WeasyPrint (paper invitations, attendance sheets, minutes, dossiers de séance)."""

from __future__ import annotations


def html_to_pdf(html: str, base_url: str | None = None, *, variant: str | None = None) -> bytes:
    """The PDF of an HTML document; WeasyPrint is imported lazily since it loads Pango at import.

    `variant` is a WeasyPrint PDF variant ("pdf/ua-1": tagged, with the document's language and title
    for screen readers); None keeps the plain PDF the letters and sheets have always had.
    """
    from weasyprint import HTML

    options = {"pdf_variant": variant} if variant else {}
    pdf = HTML(string=html, base_url=base_url).write_pdf(**options)
    assert pdf is not None
    return bytes(pdf)
