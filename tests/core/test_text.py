"""Text normalisation (core/text.py): folding for comparisons, one-line and multi-line cleaning.

The French sort key has its own tests in tests/test_collation.py, with the SQL expression that matches it.
"""

from __future__ import annotations

import pytest

from concertation.core.text import clean_line, clean_text, fold


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  Président\tdu   CONSEIL  ", "president du conseil"),
        ("Vice-Présidente", "vice-presidente"),
        ("Bédouès-Cocurès", "bedoues-cocures"),
        ("ﬁn", "fin"),  # a ligature is decomposed by NFKD
        ("", ""),
    ],
)
def test_fold(value: str, expected: str) -> None:
    assert fold(value) == expected


def test_fold_makes_spellings_of_one_function_equal() -> None:
    assert fold("1ER ADJOINT") == fold("1er adjoint") == fold("1er  Adjoint ")


def test_clean_line_makes_one_line_of_anything() -> None:
    assert clean_line("Réunion\r\ndu\nconseil\rcommunautaire") == "Réunion du conseil communautaire"
    assert clean_line("\t Salle  des   fêtes \u2028") == "Salle des fêtes"
    # Word's vertical tab and the file/group separators are spaces between words.
    assert clean_line("Mende\x0bMarvejols\x1cLanguedoc") == "Mende Marvejols Languedoc"


def test_clean_line_drops_controls_and_bidirectional_characters() -> None:
    # U+202E would show "Dupont" reversed; NUL, BEL, DEL and C1 controls are invisible anyway.
    assert clean_line("Du\u202epont") == "Dupont"
    assert clean_line("a\x00b\x07c\x7fd\x9fe") == "abcde"
    assert clean_line("\u2066Mende\u2069 \u200eRouge\u200f") == "Mende Rouge"


def test_clean_text_keeps_the_lines_and_the_spaces() -> None:
    assert clean_text("a\r\nb\rc\u2028d\x85e") == "a\nb\nc\nd\ne"
    assert clean_text("  deux  espaces  \n\n") == "  deux  espaces  \n\n"
    assert clean_text("x\x0by\x07z\u202e!") == "x yz!"


def test_clean_line_and_clean_text_agree_on_a_clean_single_line() -> None:
    line = "Concertation « cœur de Lozère » – 14 h 00"
    assert clean_line(line) == clean_text(line) == line
