"""Markdown of the minutes rendered safely: scripts, event handlers and javascript: links are inert."""

from __future__ import annotations

import pytest

from concertation.minutes.markdown import clean_document, render_markdown

HOSTILE = [
    "<script>alert('xss')</script>",
    "[cliquez](javascript:alert(1))",
    "[cliquez](JaVaScRiPt:alert(1))",
    "[cliquez](&#106;avascript:alert(1))",
    "[cliquez](  javascript:alert(1))",
    '<a href="javascript:alert(1)">lien</a>',
    '<img src="x" onerror="alert(1)">',
    '<p onmouseover="alert(1)">survol</p>',
    "<iframe src='https://example.org'></iframe>",
    "<style>body{display:none}</style>",
    '<svg onload="alert(1)"></svg>',
    "[donnée](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="vbscript:msgbox(1)">vb</a>',
    "![image](javascript:alert(1))",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_markdown_is_inert(text: str) -> None:
    html = str(render_markdown(f"Avant\n\n{text}\n\nAprès")).lower()
    for needle in (
        "<script",
        "javascript:",
        "vbscript:",
        "data:",
        "onerror",
        "onload",
        "onmouseover",
        "<iframe",
        "<style",
        "<img",
        "<svg",
    ):
        assert needle not in html, (text, html)
    assert "avant" in html and "après" in html
    assert "alert('xss')" not in html


def test_the_usual_formatting_survives() -> None:
    html = str(
        render_markdown(
            "# Voirie\n\n**Décision** : la voirie de *Montrodat* est retenue.\n\n"
            "- point un\n- point deux\n\n[Le règlement](https://lozere.fr/reglement) · "
            "[écrire](mailto:economie@lozere.fr)\n\n"
            "| Projet | Aide |\n|---|---|\n| Voirie | 30 000 € |"
        )
    )
    assert "<h3" in html and "<strong>Décision</strong>" in html and "<em>Montrodat</em>" in html
    assert "<li>point un</li>" in html
    assert 'href="https://lozere.fr/reglement"' in html and 'href="mailto:economie@lozere.fr"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert "<td>30 000 €</td>" in html


def test_a_link_loses_only_its_unsafe_address() -> None:
    html = str(render_markdown("[cliquez ici](javascript:alert(1))"))
    assert "cliquez ici" in html and "href" not in html


def test_stored_documents_are_cleaned_again() -> None:
    html = str(
        clean_document('<div><h2>1. Voirie</h2><script>alert(1)</script><a href="javascript:x()">a</a></div>')
    )
    assert "<h2>1. Voirie</h2>" in html and "<script" not in html and "javascript:" not in html
