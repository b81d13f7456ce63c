"""Reading a PDF back as its text, the way a test compares what a document says."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader


def pdf_pages(content: bytes) -> list[str]:
    """The text of each page, as pypdf extracts it."""
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages]


def pdf_text(content: bytes) -> str:
    """The whole text, pages one after the other."""
    return "\n".join(pdf_pages(content))


def flat(text: str) -> str:
    """Every run of spaces (narrow, no-break, line breaks) as one plain space: for "is this said" checks
    that must not depend on where a line or a table cell wrapped."""
    spaced = " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())
    # A word cut after its hyphen at the end of a line: "Recoules-de- Fumas".
    return re.sub(r"(?<=\w)- (?=\w)", "-", spaced)
