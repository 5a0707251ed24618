"""Who may talk to the server at all, decided from the request line and headers alone.

The same rules run twice: inside waitress as soon as the headers are in
(api/early.py), so an unwanted body is never read, and in Flask before any
view (for every other WSGI server and the test client).

- Host: only the allowed names (``--allowed-host``; the loopback names when
  bound to loopback), which closes DNS rebinding.
- Writes with an API token configured need it; without one, a browser must
  send them from this server's own pages (Origin / Sec-Fetch-Site), so no
  other web site can post to a server on 127.0.0.1.
- A body longer than the upload limit is refused from its Content-Length.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BROWSER_SAME_SITE = frozenset({"same-origin", "none"})
REALM: dict[str, str | None] = {"realm": "podalign"}
WORKER_PREFIX = "/api/worker/"
NEEDS_WORKER_TOKEN = "Worker routes need the server's worker token (PODALIGN_WORKER_TOKEN)."
NEEDS_TOKEN = "This server needs its API token: send 'Authorization: Bearer <token>'."

Header = Callable[[str], "str | None"]


@dataclass(frozen=True)
class Refusal:
    code: int
    message: str


def refusal(config: Mapping[str, Any], method: str, path: str, header: Header) -> Refusal | None:
    """Why this request must be turned away before its body is read, or None."""
    host = header("Host") or ""
    allowed: Collection[str] | None = config.get("ALLOWED_HOSTS")
    if allowed and _hostname(host) not in allowed:
        return Refusal(400, f"This server does not answer to the host name {host!r}.")
    if path.startswith(WORKER_PREFIX):
        worker_token = config.get("WORKER_TOKEN")
        if not worker_token or not token_matches(header("Authorization"), worker_token):
            return Refusal(401, NEEDS_WORKER_TOKEN)
        return None
    if method.upper() in SAFE_METHODS or not path.startswith("/api/"):
        return None
    token = config.get("API_TOKEN")
    if token and not token_matches(header("Authorization"), token):
        return Refusal(401, NEEDS_TOKEN)
    if not token and not _same_origin(header, host):
        return Refusal(
            403, "Changes are only accepted from this server's own pages (or with an API token)."
        )
    length = header("Content-Length") or ""
    limit = config.get("MAX_CONTENT_LENGTH")
    if limit and length.isdigit() and int(length) > limit:
        return Refusal(413, too_large_message(config))
    return None


def too_large_message(config: Mapping[str, Any]) -> str:
    return f"The upload is larger than this server's limit of {config['MAX_UPLOAD_MB']:g} MB."


def token_matches(authorization: str | None, token: str) -> bool:
    scheme, _, given = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


def allowed_hosts(bind_host: str, extra: list[str]) -> list[str] | None:
    """Host names to answer to: those given, plus the loopback names when bound to loopback.
    None (any name) when bound elsewhere and none were given."""
    names = [name.lower() for name in extra]
    if bind_host in LOOPBACK_NAMES or bind_host.startswith("127."):
        names += [*LOOPBACK_NAMES, bind_host]
    return names or None


def init_app(app: Flask) -> None:
    app.before_request(_check)


def _check() -> None:
    found = refusal(current_app.config, request.method, request.path, request.headers.get)
    if found is not None and found.code == 401:
        raise Unauthorized(found.message, www_authenticate=WWWAuthenticate("bearer", REALM))
    if found is not None:
        abort(found.code, found.message)


def _same_origin(header: Header, host: str) -> bool:
    """Whether a browser says the request comes from this origin; True for non-browsers,
    which send neither header and cannot be steered by a web page."""
    site = header("Sec-Fetch-Site")
    if site is not None and site not in BROWSER_SAME_SITE:
        return False
    origin = header("Origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc.lower() == host.lower() and bool(host)


def _hostname(host: str) -> str:
    host = host.lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
