"""Who may show podalign's responses inside a frame: only views marked
:func:`frameable` (the embeddable player), from any site.

Every other response forbids framing (clickjacking), both in CSP and in the
older X-Frame-Options header that browsers without frame-ancestors honour.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, Response, current_app, request

View = TypeVar("View", bound=Callable)


def frameable(view: View) -> View:
    """Let other sites put this view in a frame."""
    view.frameable = True  # type: ignore[attr-defined]
    return view


def init_app(app: Flask) -> None:
    app.after_request(set_framing_headers)


def set_framing_headers(response: Response) -> Response:
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "frameable", False):
        response.headers["Content-Security-Policy"] = "frame-ancestors *"
    else:
        response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
        response.headers["X-Frame-Options"] = "DENY"
    return response
