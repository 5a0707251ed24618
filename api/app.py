"""The Flask app factory.

Configuration is layered, later layers winning: built-in defaults, the
instance folder's ``config.py``, ``PODALIGN_*`` environment variables, and
finally the mapping passed to :func:`create_app` (the CLI and tests use it).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from flask import Flask, Request, current_app
from flask.json.provider import DefaultJSONProvider
from podalign.api import errors, jobs, storage

# Environment variable -> (config key, type). Read by hand rather than with
# Flask's from_prefixed_env, which would turn a numeric API token into an int.
ENV_VARS = {
    "PODALIGN_DATA_DIR": ("DATA_DIR", str),
    "PODALIGN_REDIS_URL": ("REDIS_URL", str),
    "PODALIGN_API_TOKEN": ("API_TOKEN", str),
    "PODALIGN_MAX_UPLOAD_MB": ("MAX_UPLOAD_MB", float),
    "PODALIGN_MODEL": ("MODEL", str),
}

DEFAULTS: dict[str, Any] = {
    "DATA_DIR": "podalign-data",
    "REDIS_URL": None,
    "API_TOKEN": None,
    "MAX_UPLOAD_MB": 500,
    "MODEL": "tiny.en",
    # Where the aligner caches recognition results; defaults to <data>/cache.
    "CACHE_DIR": None,
    # A long transcript pasted into the form is a plain field, not a file.
    "MAX_FORM_MEMORY_SIZE": 16 * 1024 * 1024,
}


class UploadRequest(Request):
    """Spools large uploads inside the data dir rather than in /tmp.

    /tmp is often a small tmpfs; the data dir is sized for audio anyway.
    """

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        spool = Path(current_app.config["DATA_DIR"]) / "tmp"
        return tempfile.TemporaryFile("wb+", dir=spool)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the podalign web app (JSON API and pages) and its job queue."""
    # No app-wide /static route: the pages blueprint serves its own assets.
    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    app.request_class = UploadRequest
    json_provider = DefaultJSONProvider(app)
    json_provider.sort_keys = False  # keep fields in the documented order for people reading them
    app.json = json_provider
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(env_config())
    if config:
        app.config.update(config)

    data_dir = Path(app.config["DATA_DIR"]).resolve()
    app.config["DATA_DIR"] = str(data_dir)
    app.config["CACHE_DIR"] = str(app.config["CACHE_DIR"] or data_dir / "cache")
    app.config["MAX_CONTENT_LENGTH"] = int(float(app.config["MAX_UPLOAD_MB"]) * 1024 * 1024)
    for sub in ("episodes", "tmp"):
        (data_dir / sub).mkdir(parents=True, exist_ok=True)

    storage.init_app(app)
    jobs.init_app(app)
    errors.init_app(app)

    from podalign.api.edits import bp as edits_bp
    from podalign.api.episodes import bp as episodes_bp
    from podalign.api.pages import bp as pages_bp

    app.register_blueprint(episodes_bp)
    app.register_blueprint(edits_bp)
    app.register_blueprint(pages_bp)
    return app


def env_config() -> dict[str, Any]:
    """The settings given as PODALIGN_* environment variables."""
    found = {}
    for name, (key, kind) in ENV_VARS.items():
        value = os.environ.get(name)
        if value:
            try:
                found[key] = kind(value)
            except ValueError:
                raise ValueError(f"{name}={value!r} is not a valid {kind.__name__}.") from None
    return found
