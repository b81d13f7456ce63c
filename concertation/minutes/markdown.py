"""Markdown rendered safely: Markdown → HTML → nh3 with an allowlist, once, when the text is saved.

Raw HTML typed in the Markdown goes through the same cleaning: `<script>` and `<style>` disappear with
their content, event handlers and every attribute outside the allowlist are dropped, and links keep
only http, https and mailto addresses (a `javascript:` link loses its address and stays inert text).

Python-Markdown takes time far beyond linear on some inputs (a run of "[", of "<a ", of "\\[", deep
"> > >"...): 50,000 characters of them take minutes. No input check can list every such shape, so a long
text is rendered in a child process with a CPU-time budget (`render_texts`); a text over it is kept as
plain paragraphs. Ordinary minutes (50 KB in well under 0.1 s) never come near the budget.

This module imports nothing from the project: the child process runs it as a script.
"""

from __future__ import annotations

import html as html_lib
import json
import re
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from types import FrameType

import markdown as markdown_lib
import nh3
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    {
        "a",
        "blockquote",
        "br",
        "code",
        "em",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "strong",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"align"}, "th": {"align"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Sections are h2 in the minutes: "# Titre" inside a section becomes h3.
HEADING_BASE_LEVEL = 3
MAX_MARKDOWN = 50_000


def clean_html(html: str) -> str:
    """HTML reduced to the allowlist (tags, attributes, URL schemes)."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def clean_document(html: str) -> Markup:
    """A stored compte rendu (rendered by the server from cleaned Markdown), cleaned again before it is
    shown: the same allowlist plus the document's own headings and blocks."""
    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS | {"h2", "div"}),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return Markup(cleaned)  # noqa: S704 - cleaned by nh3 just above


def render_markdown(text: str) -> Markup:
    """The safe HTML of a Markdown text, ready to be inserted in a page, an email or a PDF."""
    html = markdown_lib.markdown(
        text,
        extensions=["sane_lists", "tables", "toc"],
        extension_configs={"toc": {"baselevel": HEADING_BASE_LEVEL}},
        output_format="html",
    )
    return Markup(clean_html(html))  # noqa: S704 - cleaned by nh3 just above


# A text up to this length renders in the calling process: the worst shapes found cost under 0.2 s there.
INLINE_LIMIT = 1_000
# CPU seconds of the child process for one text; ordinary minutes of 50 KB take under 0.1 s.
CPU_BUDGET = 0.5
# More openers than this in one paragraph is no minutes text: shown as typed without trying the parser.
MAX_OPENERS = 1_000
_OPENERS = re.compile(r"[\[<\\]")
# Wall-clock limit of the whole child process (start-up, every text, a stall inside C code).
WALL_LIMIT = 20.0


@dataclass(frozen=True)
class Rendered:
    """The safe HTML of a text; `is_plain` when its Markdown was too costly and it shows as typed."""

    html: Markup
    is_plain: bool = False


def plain_html(text: str) -> Markup:
    """The text as typed: escaped paragraphs (blank lines) and line breaks, in linear time."""
    paragraphs = (p.strip() for p in re.split(r"\n[ \t]*\n", text))
    return Markup(  # noqa: S704 - every piece of text is escaped
        "\n".join(
            "<p>" + "<br>\n".join(html_lib.escape(line) for line in p.split("\n")) + "</p>"
            for p in paragraphs
            if p
        )
    )


def _too_many_openers(text: str) -> bool:
    return any(len(_OPENERS.findall(block)) > MAX_OPENERS for block in re.split(r"\n[ \t]*\n", text))


def _render_or_none(text: str) -> str | None:
    try:
        return str(render_markdown(text))
    except RecursionError:  # nesting deeper than Python's stack ("> > > ...", "1. 1. 1. ...")
        return None


def render_texts(texts: Sequence[str]) -> list[Rendered]:
    """The safe HTML of each text, each at a bounded cost (see the module's docstring)."""
    results: list[Rendered | None] = [None] * len(texts)
    long: list[int] = []
    for index, text in enumerate(texts):
        if not text.strip():
            results[index] = Rendered(Markup(""))
        elif _too_many_openers(text):
            continue
        elif len(text) <= INLINE_LIMIT:
            html = _render_or_none(text)
            results[index] = Rendered(Markup(html)) if html is not None else None  # noqa: S704
        else:
            long.append(index)
    for index, html in zip(long, _render_in_child([texts[i] for i in long]), strict=True):
        results[index] = Rendered(Markup(html)) if html is not None else None  # noqa: S704 - nh3 output
    return [
        r if r is not None else Rendered(plain_html(t), is_plain=True)
        for r, t in zip(results, texts, strict=True)
    ]


def _render_in_child(texts: list[str]) -> list[str | None]:
    """Each text's HTML from a child process, None for a text over its budget (or a failed child)."""
    if not texts:
        return []
    try:
        # The interpreter running the app, on this very file: no shell, no input on the command line.
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-I", __file__],
            input=json.dumps(texts),
            capture_output=True,
            text=True,
            timeout=WALL_LIMIT + CPU_BUDGET * len(texts),
            check=True,
        )
        answer = json.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return [None] * len(texts)
    if not isinstance(answer, list) or len(answer) != len(texts):
        return [None] * len(texts)
    return [a if isinstance(a, str) else None for a in answer]


class _OverBudget(Exception):
    pass


def _over_budget(signum: int, frame: FrameType | None) -> None:
    raise _OverBudget


def _child() -> None:
    """The child process: a JSON list of texts on stdin, their HTML (or null) on stdout."""
    texts = json.load(sys.stdin)
    signal.signal(signal.SIGPROF, _over_budget)
    answers: list[str | None] = []
    for text in texts:
        # ITIMER_PROF counts this process's CPU time: the same budget on a busy or an idle machine.
        signal.setitimer(signal.ITIMER_PROF, CPU_BUDGET)
        try:
            answers.append(_render_or_none(text))
        except _OverBudget:
            answers.append(None)
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
    json.dump(answers, sys.stdout)


if __name__ == "__main__":
    _child()
