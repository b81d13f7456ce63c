"""HTML to PDF with WeasyPrint (paper invitations, attendance sheets, minutes)."""

from __future__ import annotations


def html_to_pdf(html: str, base_url: str | None = None) -> bytes:
    """The PDF of an HTML document; WeasyPrint is imported lazily since it loads Pango at import."""
    from weasyprint import HTML

    pdf = HTML(string=html, base_url=base_url).write_pdf()
    assert pdf is not None
    return bytes(pdf)
