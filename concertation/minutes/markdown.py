"""Markdown rendered safely: Markdown → HTML → nh3 with an allowlist.

Raw HTML typed in the Markdown goes through the same cleaning: `<script>` and `<style>` disappear with
their content, event handlers and every attribute outside the allowlist are dropped, and links keep
only http, https and mailto addresses (a `javascript:` link loses its address and stays inert text).
"""

from __future__ import annotations

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
