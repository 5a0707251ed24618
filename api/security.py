"""The headers every response carries, set in one place.

Pages get a strict Content Security Policy: scripts, styles and media from
this origin only, nothing inline, never framed. Everything else (JSON, files,
uploaded audio) gets a policy that allows nothing at all, so a file that a
browser mistakes for a page still cannot run script. A view that must be
framed by other sites (an embeddable player) says so with :func:`frameable`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, Response, current_app, request

View = TypeVar("View", bound=Callable)

PAGE_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    # The search box's magnifier is an SVG data: URL in style.css.
    "img-src": "'self' data:",
    "media-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
}
NOTHING_POLICY = {"default-src": "'none'", "sandbox": ""}


def frameable(view: View) -> View:
    """Let other sites put this view in a frame (its page policy stays otherwise strict)."""
    view.frameable = True  # type: ignore[attr-defined]
    return view


def init_app(app: Flask) -> None:
    app.after_request(add_headers)


def add_headers(response: Response) -> Response:
    headers = response.headers
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    is_page = response.mimetype == "text/html" and not _is_api()
    policy = dict(PAGE_POLICY if is_page else NOTHING_POLICY)
    if _view_is_frameable():
        policy["frame-ancestors"] = "*"
    else:
        policy["frame-ancestors"] = "'none'"
        headers["X-Frame-Options"] = "DENY"
    headers["Content-Security-Policy"] = "; ".join(
        f"{name} {value}".strip() for name, value in policy.items()
    )
    return response


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _view_is_frameable() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "frameable", False))
