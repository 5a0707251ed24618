"""waitress, taught to answer before it reads a request's body, and in JSON.

waitress reads a whole request, body included, before the app sees it. Here
its parser applies the gate (api/gate.py) the moment the headers are in, so
an unauthenticated or oversized upload is refused without being read, and
its own errors (a chunked body over the limit, a malformed request) are
answered as JSON like every other API error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from podalign.api.gate import refusal, too_large_message
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.task import ErrorTask
from waitress.utilities import Error


class Refused(Error):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def gated_channel(config: Mapping[str, Any]) -> type[HTTPChannel]:
    """A waitress channel class whose requests pass the gate under ``config``."""

    class GatedParser(HTTPRequestParser):
        gated = False
        error: Error | None

        def received(self, data: bytes) -> int:
            consumed = super().received(data)
            if self.headers_finished and not self.gated and self.error is None:
                self.gated = True
                found = refusal(config, self.command or "", self.path or "", self._header)
                if found is not None:
                    self.error = Refused(found.code, found.message)
                    self.completed = True
                    # The connection closes after the answer; the rest is never looked at.
                    return len(data)
            return consumed

        def _header(self, name: str) -> str | None:
            return self.headers.get(name.upper().replace("-", "_"))

    class JsonErrorTask(ErrorTask):
        def execute(self) -> None:
            error = self.request.error
            message = error.body if isinstance(error, Refused) else _message(error, config)
            body = json.dumps({"error": message}).encode()
            self.status = f"{error.code} {_reason(error)}"
            self.response_headers.extend(
                [
                    ("Content-Type", "application/json"),
                    ("X-Content-Type-Options", "nosniff"),
                ]
            )
            if error.code == 401:
                self.response_headers.append(("WWW-Authenticate", 'Bearer realm="podalign"'))
            self.set_close_on_finish()
            self.content_length = len(body)
            self.write(body)

    class GatedChannel(HTTPChannel):
        parser_class = GatedParser
        error_task_class = JsonErrorTask

    return GatedChannel


def _message(error: Error, config: Mapping[str, Any]) -> str:
    if error.code == 413:
        return too_large_message(config)
    return f"{error.reason}: {error.body}"


def _reason(error: Error) -> str:
    try:
        return HTTPStatus(error.code).phrase
    except ValueError:
        return "Error"
