"""Every API error is JSON ``{"error": "..."}``; no request ever sees a traceback."""

from __future__ import annotations

import logging
from typing import NoReturn

from flask import Flask, Response, abort, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge
from werkzeug.sansio.response import Response as BaseResponse

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected_error)


def handle_http_error(error: HTTPException) -> BaseResponse | HTTPException:
    # Pages keep Flask's HTML error pages; the API speaks JSON.
    if not request.path.startswith("/api/"):
        return error
    # A view that aborted with its own JSON answer (a 409 that names the current revision).
    if error.response is not None:
        return error.response
    message = error.description or error.name
    if isinstance(error, RequestEntityTooLarge) and message == RequestEntityTooLarge.description:
        limit = current_app.config["MAX_UPLOAD_MB"]
        message = f"The upload is larger than this server's limit of {limit:g} MB."
    response = jsonify(error=message)
    response.status_code = error.code or 500
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def handle_unexpected_error(error: Exception) -> Response:
    log.exception("Unhandled error in %s %s", request.method, request.path)
    response = jsonify(error="Internal server error; the details are in the server log.")
    response.status_code = InternalServerError.code
    return response


def conflict(message: str, revision: int) -> NoReturn:
    """Answer 409 with the current transcript revision, for a client to reload from."""
    response = jsonify(error=message, revision=revision)
    response.status_code = 409
    abort(response)
