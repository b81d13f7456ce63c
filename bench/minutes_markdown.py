"""Minutes Markdown (issue 12, item 3): what saving a section costs, for ordinary and hostile texts.

The project renders a section once, when it is saved (`render_texts`: a child process with a CPU budget
for a long text, nh3 cleaning). Baseline: the plain Python-Markdown render of the same ordinary 50 KB text
in this process, without cleaning, as every read used to pay. Also timed: hostile texts of 50,000
characters (each took seconds to minutes before, on every read) and the read path (nh3 on stored HTML).

Last line: one JSON object; `ratio` = project save / baseline render for the ordinary text.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project, from the root

import markdown as markdown_lib

from bench._dataset import compare
from concertation.minutes.markdown import clean_html, render_markdown, render_texts

HOSTILE = {"crochets": "[", "balises": "<a ", "échappements": "\\<a ", "citations": "> ", "soulignés": "=\n"}


def ordinary(size: int = 50_000) -> str:
    block = (
        "## Point : voirie de Saint-Étienne-du-Valdonnez\n\n"
        "Le président **rappelle** que le projet (*priorité 2*) a été présenté. "
        "[La délibération](https://www.lozere.fr/deliberations/2026-12) est jointe [sic].\n\n"
        "- reprise de la chaussée\n- busage des fossés\n\n"
        "| Projet | Coût HT |\n|---|---:|\n| Voirie | 120 000 € |\n\n"
    )
    return (block * (size // len(block) + 1))[:size]


def main() -> None:
    text = ordinary()
    [rendered] = render_texts([text])
    assert not rendered.is_plain and str(rendered.html) == str(render_markdown(text))
    (project, _), (baseline, _) = compare(
        lambda: render_texts([text]),
        lambda: markdown_lib.markdown(text, extensions=["sane_lists", "tables", "toc"]),
        repeat=7,
    )
    hostile = {}
    for name, unit in HOSTILE.items():
        source = (unit * (50_000 // len(unit) + 1))[:50_000]
        start = time.perf_counter()
        [result] = render_texts([source])
        hostile[name] = round(time.perf_counter() - start, 3)
        assert result.is_plain, name
    html = str(rendered.html)
    reads = []
    for _ in range(7):
        start = time.perf_counter()
        clean_html(html)
        reads.append(time.perf_counter() - start)
    print(
        json.dumps(
            {
                "bench": "markdown",
                "text_chars": len(text),
                "project_save_s": round(project, 4),
                "baseline_render_s": round(baseline, 4),
                "ratio": round(project / baseline, 2),
                "read_s": round(statistics.median(reads), 4),
                "hostile_save_s": hostile,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
