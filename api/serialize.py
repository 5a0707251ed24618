"""The JSON shapes of an episode: its summary, and its detail with the timed transcript."""

from __future__ import annotations

import re
import sqlite3
import unicodedata

from flask import current_app, request, url_for
from podalign.api import files, storage
from podalign.api.manual import apply_manual_times
from podalign.api.storage import Episode, EpisodeStatus
from podalign.transcripts.model import Transcript

# Download key -> (writer format, file suffix); the suffix is also the URL's.
EXPORTS = {
    "json": ("json", ".json"),
    "srt": ("srt", ".srt"),
    "vtt": ("vtt", ".vtt"),
    "txt": ("txt", ".txt"),
    "podcast": ("podcast-json", ".podcast.json"),
}


def summary(episode: Episode) -> dict:
    episode_id = episode.id
    return {
        "id": episode_id,
        "title": episode.title,
        "status": episode.status.value,
        "revision": episode.transcript_revision,
        "progress": episode.progress,
        "stage": episode.stage,
        "error": episode.error,
        "duration": round(episode.duration, 3),
        "created_at": episode.created_at,
        "turn_count": episode.turn_count,
        "untimed_turns": episode.untimed_turns,
        "speakers": list(episode.speakers),
        "urls": {
            "self": url_for("episodes.show", episode_id=episode_id),
            "page": page_url(episode_id),
            "audio": url_for("episodes.audio", episode_id=episode_id),
            "peaks": url_for("episodes.peaks", episode_id=episode_id),
            "downloads": {
                key: url_for(f"episodes.download_{key}", episode_id=episode_id) for key in EXPORTS
            },
        },
    }


def detail(db: sqlite3.Connection, episode: Episode) -> dict:
    """The summary plus the transcript, each turn flagged ``manual`` if set by hand."""
    transcript, manual = load_transcript(db, episode)
    body = transcript.to_dict()
    for position, turn in enumerate(body["turns"]):
        turn["manual"] = position in manual
    return {**summary(episode), "transcript": body}


def load_transcript(db: sqlite3.Connection, episode: Episode) -> tuple[Transcript, set[int]]:
    """The current transcript (aligned or not) with the hand-set times laid over it."""
    folder = files.episode_dir(current_app.config["DATA_DIR"], episode.id)
    transcript = Transcript.from_dict(files.read_json(folder / "result.json"))
    transcript.title = episode.title
    manual = apply_manual_times(transcript, storage.manual_times(db, episode.id))
    return transcript, manual


def accepted(episode_id: str, status: EpisodeStatus) -> dict:
    return {
        "id": episode_id,
        "status": status.value,
        "url": url_for("episodes.show", episode_id=episode_id),
        "page_url": page_url(episode_id),
    }


def page_url(episode_id: str) -> str:
    return f"{request.script_root}/episodes/{episode_id}"


def slugify(title: str) -> str:
    """An ASCII file name stem from a title: "Épisode 7: The Edge" -> "episode-7-the-edge"."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:80].rstrip("-") or "transcript"
