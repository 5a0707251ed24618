"""The browser pages: the episode library and the click-to-play player.

The pages are static shells; everything they show comes from the JSON API,
so they work the same whatever storage or job queue backs the API.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from podalign.api.security import frameable
from podalign.api.storage import EpisodeStatus

# The assets live under /assets rather than /static so the blueprint never
# collides with a static route the app itself may register.
bp = Blueprint(
    "pages",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)


@bp.context_processor
def statuses() -> dict[str, dict[str, str]]:
    """The status values for the pages' scripts, so they are spelt in one place."""
    return {"statuses": {status.name: status.value for status in EpisodeStatus}}


@bp.get("/")
def library():
    return render_template("library.html")


@bp.get("/episodes/<episode_id>")
def episode(episode_id: str):
    return render_template("episode.html", episode_id=episode_id)


@bp.get("/embed/<episode_id>")
@frameable
def embed(episode_id: str):
    return render_template("embed.html", episode_id=episode_id)
