"""Issue 12, item 3: minutes Markdown is rendered once, when saved, at a bounded cost whatever the text."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from concertation import create_app
from concertation.accounts.models import User, UserRole
from concertation.extensions import db
from concertation.minutes.markdown import INLINE_LIMIT, render_markdown, render_texts
from concertation.minutes.minutes import SectionInput, ensure_minutes, update_sections
from config import TestConfig
from tests.common import db as f
from tests.common.database import private_postgres_database
from tests.common.db.minutes import past_meeting
from tests.common.http import csrf_token

Login = Callable[..., User]

# Shapes on which Python-Markdown's time grows far beyond linear (each took from seconds to minutes).
HOSTILE = {
    "crochets": "[",
    "images": "![",
    "crochets imbriqués": "[[a]",
    "liens sans fin": "[a](",
    "crochets espacés": "[" + "a" * 60,
    "balises ouvertes": "<a ",
    "échappements": "\\<a ",
    "citations imbriquées": "> ",
    "listes imbriquées": "1. ",
    "titres soulignés": "=\n",
}


def realistic_minutes(size: int = 50_000) -> str:
    """A long compte rendu as organisers write them: headings, lists, links, a table, emphasis."""
    parts: list[str] = []
    n = 0
    while sum(map(len, parts)) < size:
        n += 1
        parts.append(
            f"## Point {n} : voirie de Saint-Étienne-du-Valdonnez\n\n"
            f"Le président **rappelle** que le projet n° {n} (*priorité 2*) a été présenté le 3 décembre. "
            "M. le maire de Mende [voir la délibération](https://www.lozere.fr/deliberations/2026-12) "
            "souligne l'urgence ; Mme Dupré (Lozère Ingénierie) précise le calendrier [sic].\n"
            "La séance reprend à 15 h.\n\n"
            "- reprise de la chaussée\n- busage des fossés\n  - côté nord\n- signalisation\n\n"
            "1. étude\n2. travaux\n\n"
            "| Projet | Coût HT | Aide |\n|---|---:|---:|\n| Voirie | 120 000 € | 30 000 € |\n"
            "| Écoles | 80 000 € | 20 000 € |\n\n"
            "> Les élus demandent un point d'étape au prochain comité.\n\n"
            "Contact : <economie@lozere.fr> · `code 48095` · 3 < 5 & 7 > 2\n\n"
        )
    return "".join(parts)[:size]


def test_a_realistic_long_text_renders_as_before() -> None:
    source = realistic_minutes()
    assert len(source) > INLINE_LIMIT  # rendered by the bounded child process
    started = time.perf_counter()
    [rendered] = render_texts([source])
    assert not rendered.is_plain
    assert str(rendered.html) == str(render_markdown(source))
    assert "<table>" in str(rendered.html) and "<strong>rappelle</strong>" in str(rendered.html)
    assert time.perf_counter() - started < 10  # a child process on a loaded machine; usually < 0.5 s


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_text_costs_a_bounded_time_and_shows_as_typed(name: str) -> None:
    unit = HOSTILE[name]
    source = (unit * (50_000 // len(unit) + 1))[:50_000]
    process_started = time.process_time()
    wall = time.perf_counter()
    [rendered] = render_texts([source])
    # The parent's own CPU time stays tiny; the child is held to its CPU budget (CPU_BUDGET).
    assert time.process_time() - process_started < 0.5, name
    assert time.perf_counter() - wall < 10, name
    html = str(rendered.html)
    assert "<script" not in html and "<a " not in html
    if rendered.is_plain:
        assert html.startswith("<p>"), name
    else:
        # A fast machine may parse nested quotes within the budget (their depth is cut by the parser's
        # recursion limit): then it is the parser's HTML, as for any text. The other shapes always
        # exceed the budget.
        assert name == "citations imbriquées", name
        assert html.startswith("<blockquote>") and html.count("<blockquote>") == html.count("</blockquote>")


@pytest.mark.usefixtures("lozere")
def test_a_run_of_brackets_is_saved_well_under_a_second(app: Flask) -> None:
    f.gevaudan_elus()
    minutes = ensure_minutes(past_meeting())
    started = time.perf_counter()
    plain = update_sections(minutes, [SectionInput(section_id=minutes.sections[0].id, body="[" * 50_000)])
    assert time.perf_counter() - started < 1
    assert plain == [minutes.sections[0].title]
    assert minutes.sections[0].body_html == "<p>" + "[" * 50_000 + "</p>"


@pytest.mark.usefixtures("lozere")
def test_pages_pdf_and_reads_use_the_html_stored_at_save(
    app: Flask, client: FlaskClient, login: Login
) -> None:
    f.gevaudan_elus()
    meeting = past_meeting()
    minutes = ensure_minutes(meeting)
    db.session.commit()
    login(UserRole.ORGANISATEUR)
    edit = f"/reunions/{meeting.id}/compte-rendu/modifier"
    first, second = minutes.sections[0], minutes.sections[1]
    saved = client.post(
        edit,
        data={
            "csrf_token": csrf_token(client, edit),
            f"texte-{first.id}": "Accueil par le **président**.",
            f"texte-{second.id}": "[" * 50_000,
        },
        follow_redirects=True,
    )
    assert saved.status_code == 200
    page = saved.get_data(as_text=True)
    assert "affiché tel quel" in page and second.title in page
    db.session.expire_all()
    assert first.body_html == "<p>Accueil par le <strong>président</strong>.</p>"
    # A read shows what was stored at save time, without rendering the Markdown again.
    first.body_html = "<p>Rendu <em>enregistré</em></p>"
    db.session.commit()
    started = time.perf_counter()
    page = client.get(f"/reunions/{meeting.id}/compte-rendu").get_data(as_text=True)
    pdf = client.get(f"/reunions/{meeting.id}/compte-rendu.pdf")
    assert time.perf_counter() - started < 10
    assert "Rendu <em>enregistré</em>" in page and "<strong>président</strong>" not in page
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"


def test_the_migration_renders_the_sections_already_written(database_url: str, tmp_path: Path) -> None:
    """Sections written before 0008 (no stored HTML) get it from the migration's data step."""
    from flask_migrate import downgrade

    from concertation.territory.importer import load_lozere

    url = f"sqlite:///{tmp_path / 'migration.db'}"
    with ExitStack() as stack:
        if database_url.startswith("postgresql"):
            url = stack.enter_context(private_postgres_database(database_url))
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, INSTANCE_PATH=str(tmp_path))
        with app.app_context():
            upgrade()
            load_lozere()
            f.gevaudan_elus()
            minutes = ensure_minutes(past_meeting())
            first, second = minutes.sections[0], minutes.sections[1]
            update_sections(
                minutes,
                [
                    SectionInput(section_id=first.id, body="Accueil par le **président**."),
                    SectionInput(section_id=second.id, body="[" * 50_000),
                ],
            )
            db.session.commit()
            ids = (first.id, second.id)
            db.session.remove()
            downgrade(revision="0007_data_version")
            upgrade()
            with db.engine.connect() as connection:
                stored = dict(
                    connection.execute(
                        text("SELECT id, body_html FROM minutes_section WHERE id IN (:a, :b)"),
                        {"a": ids[0], "b": ids[1]},
                    ).all()
                )
            db.engine.dispose()
    assert stored[ids[0]] == "<p>Accueil par le <strong>président</strong>.</p>"
    assert stored[ids[1]] == "<p>" + "[" * 50_000 + "</p>"
