"""Episode files found damaged or missing: a JSON 409 that names the damage, and the
episode marked failed so its page offers to align it again (which rebuilds them)."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from podalign.api import storage
from podalign.api.storage import Episode, EpisodeStatus
from werkzeug.exceptions import Conflict

log = logging.getLogger(__name__)


class Damaged(Conflict):
    def __init__(self, episode: Episode, what: str) -> None:
        super().__init__(
            f"This episode's files are damaged: {what}. Retry the alignment to rebuild them"
            f" (POST /api/episodes/{episode.id}/retry)."
        )
        self.episode = episode


def init_app(app: Flask) -> None:
    app.register_error_handler(Damaged, _answer)


def _answer(error: Damaged) -> Response:
    # Marked here, after the view's own transaction has rolled back, so the mark stays.
    episode = error.episode
    if episode.status is EpisodeStatus.DONE:
        storage.fail(storage.get_db(), episode.id, episode.revision, str(error.description))
    log.warning("Episode %s: %s", episode.id, error.description)
    response = jsonify(error=error.description)
    response.status_code = error.code or 409
    return response
