"""Who may show podalign's pages inside a frame: only /embed/<id>, from any site.

Every other response forbids framing (clickjacking), both in CSP and in the
older X-Frame-Options header that browsers without frame-ancestors honour.
"""

from __future__ import annotations

from flask import Flask, Response, request

FRAMEABLE_ENDPOINTS = {"pages.embed"}


def init_app(app: Flask) -> None:
    app.after_request(set_framing_headers)


def set_framing_headers(response: Response) -> Response:
    if request.endpoint in FRAMEABLE_ENDPOINTS:
        response.headers["Content-Security-Policy"] = "frame-ancestors *"
        response.headers.pop("X-Frame-Options", None)
    else:
        response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
        response.headers["X-Frame-Options"] = "DENY"
    return response
