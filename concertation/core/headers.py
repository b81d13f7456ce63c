"""Security headers on every response: what a page may load, who may frame it, what the Referer tells.

Pages load scripts and styles only from our origin: every script is a file under `static/`, and a page that
needs a computed style (a progress bar's width) writes it in a `<style nonce="{{ csp_nonce() }}">` block.
"""

from __future__ import annotations

import secrets

from flask import Flask, g, request
from werkzeug.wrappers import Response

from concertation.extensions import csrf

# The élus' links whose secret is in the URL (the answer link, the short code printed on letters, calendar
# feeds, the date poll link); guards.py limits their rate.
SECRET_LINK_PREFIXES = ("/r/", "/c/", "/flux/", "/s/")
# Pages reached through a secret in their URL: those links and the password-reset link. They send no Referer
# at all: not even our own access logs, through the requests for the CSS, may hold the secret.
SECRET_URL_PREFIXES = (*SECRET_LINK_PREFIXES, "/mot-de-passe/")

# The policy of HTML pages; `default-src 'self'` also covers fetch() (the progress bar), fonts and frames.
PAGE_POLICY: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",  # Bootstrap draws its form and menu icons as data: SVG
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# A PDF is drawn by the browser's viewer, which `object-src 'none'` (or a default-src) would block.
VIEWER_TYPES = frozenset({"application/pdf"})
# Anything else (JSON, iCalendar, CSS, JS, downloads) runs nothing and loads nothing when opened.
OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'"


def csp_nonce() -> str:
    """This response's nonce for an inline `<style>` block (the same for every call of the request)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    nonce: str = g.csp_nonce
    return nonce


def csp_allow_style_attributes() -> str:
    """Called by a template that shows an email's HTML in a srcdoc iframe, which inherits the page's policy:
    an email's styles are inline attributes (mail clients drop `<style>`). Returns "" for the template."""
    g.csp_style_attributes = True
    return ""


def page_policy(nonce: str | None = None, *, style_attributes: bool = False) -> str:
    """The Content-Security-Policy of an HTML page."""
    policy = dict(PAGE_POLICY)
    if nonce:
        policy["style-src"] += f" 'nonce-{nonce}'"
    if style_attributes:
        policy["style-src-attr"] = "'unsafe-inline'"
    return "; ".join(f"{name} {sources}" for name, sources in policy.items())


def referrer_policy(path: str) -> str:
    return "no-referrer" if path.startswith(SECRET_URL_PREFIXES) else "same-origin"


def _content_security_policy(response: Response) -> str:
    own = response.headers.get("Content-Security-Policy")
    if own is not None:
        # A view that sets its own policy keeps it, but is never framed either.
        return own if "frame-ancestors" in own else f"{own}; frame-ancestors 'none'"
    if response.mimetype == "text/html":
        return page_policy(g.get("csp_nonce"), style_attributes=g.get("csp_style_attributes", False))
    if response.mimetype in VIEWER_TYPES:
        return "frame-ancestors 'none'"
    return OTHER_POLICY


def register_security_headers(app: Flask, *, hsts_max_age: int = 0) -> None:
    """Add the headers to every response, errors and redirects included; HSTS only if `hsts_max_age`.
    Call it once every blueprint is registered (it looks at the URL rules)."""

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = _content_security_policy(response)
        response.headers["X-Frame-Options"] = "DENY"  # frame-ancestors for browsers without CSP level 2
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = referrer_policy(request.path)
        if hsts_max_age:
            # No includeSubDomains: other services of the domain may still be served over HTTP.
            response.headers["Strict-Transport-Security"] = f"max-age={hsts_max_age}"
        return response

    app.add_template_global(csp_nonce)
    app.add_template_global(csp_allow_style_attributes)
    # Over HTTPS, Flask-WTF refuses a form posted without a Referer, and these pages send none. The secret in
    # their URL is what authenticates them; their forms still check their own CSRF token (validate_on_submit).
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(SECRET_URL_PREFIXES) and "POST" in (rule.methods or ()):
            csrf.exempt(app.view_functions[rule.endpoint])
