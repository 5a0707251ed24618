"""The optional API token: when PODALIGN_API_TOKEN is set, writes need it.

Reads of one episode need only its id, which is unguessable; the list of all
episodes would give the ids away, so it needs the token too.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import current_app, request
from podalign.api.gate import token_matches
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

View = TypeVar("View", bound=Callable)


def require_token(view: View) -> View:
    @wraps(view)
    def guarded(*args, **kwargs):
        check_token()
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]


def check_token() -> None:
    """Raise 401 unless the request carries the configured bearer token (if any)."""
    expected = current_app.config["API_TOKEN"]
    if not expected:
        return
    if not token_matches(request.headers.get("Authorization"), expected):
        raise Unauthorized(
            "This server needs its API token: send 'Authorization: Bearer <token>'.",
            www_authenticate=WWWAuthenticate("bearer", {"realm": "podalign"}),
        )
