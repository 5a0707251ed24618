"""Publishing an episode: chapters (edit, suggest, export), export options,
search across the library, and CORS on the read-only exports.

Documented in openapi.json with the rest of the API.
"""

from __future__ import annotations

import math
import sqlite3

from flask import Blueprint, Response, abort, current_app, request
from podalign.api import chapter_store, files, search_index, storage
from podalign.api.auth import require_token
from podalign.api.errors import conflict
from podalign.api.serialize import load_transcript, slugify
from podalign.api.storage import Episode, EpisodeStatus, get_db, transaction
from podalign.transcripts import (
    PRESETS,
    Chapter,
    ChapterError,
    Suggestion,
    checked_chapters,
    snap_start,
    suggest_chapters,
    write_chapters_json,
    write_chapters_vtt,
    write_show_notes,
)
from podalign.transcripts.encoding import decode_text
from werkzeug.datastructures import MultiDict

bp = Blueprint("publish", __name__, url_prefix="/api")

MAX_SEARCH_RESULTS = 50
CHAPTERS_MIMETYPE = "application/json+chapters"
# Endpoints whose GET and HEAD any web page may fetch: the files a feed points at.
CORS_ENDPOINTS = {
    "publish.chapters_json",
    "publish.chapters_vtt",
    "publish.chapters_txt",
}
CORS_ENDPOINT_PREFIX = "episodes.download_"


@bp.after_app_request
def allow_reads_from_anywhere(response: Response) -> Response:
    endpoint = request.endpoint or ""
    exported = endpoint in CORS_ENDPOINTS or endpoint.startswith(CORS_ENDPOINT_PREFIX)
    if exported and request.method in {"GET", "HEAD"}:
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def export_options(fmt: str, args: MultiDict) -> dict:
    """Writer options from an export URL's ``preset`` and ``words`` parameters."""
    options: dict = {}
    preset = args.get("preset")
    if preset is not None:
        if fmt not in {"srt", "vtt"}:
            abort(400, "preset applies to transcript.srt and transcript.vtt only.")
        if preset not in PRESETS:
            abort(400, f"Unknown preset {preset!r}; choose one of {', '.join(PRESETS)}.")
        layout = PRESETS[preset]
        options.update(max_line_chars=layout.max_line_chars, max_lines=layout.max_lines)
    words = args.get("words")
    if words is not None:
        if words not in {"0", "1"}:
            abort(400, f"words must be 0 or 1; got {words!r}.")
        if fmt == "vtt":
            options["word_timestamps"] = words == "1"
        elif fmt == "podcast-json":
            options["include_words"] = words == "1"
        else:
            abort(400, "words applies to transcript.vtt and transcript.podcast.json only.")
    return options


# ---- Chapters -----------------------------------------------------------------


@bp.get("/episodes/<episode_id>/chapters")
def chapters(episode_id: str) -> dict:
    """The chapters, the transcript revision to save them at, and suggestions not yet taken."""
    db = get_db()
    episode = _episode_or_404(db, episode_id)
    chapters = chapter_store.chapters_of(db, episode_id)
    taken = {round(c.start, 2) for c in chapters}
    suggestions = [s.to_dict() for s in _suggestions(db, episode) if round(s.start, 2) not in taken]
    return {
        "revision": episode.transcript_revision,
        "chapters": [_chapter_dict(c) for c in chapters],
        "suggestions": suggestions,
    }


@bp.put("/episodes/<episode_id>/chapters")
@require_token
def save_chapters(episode_id: str) -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("chapters"), list):
        abort(
            400,
            'Send a JSON object like {"revision": 3, "chapters":'
            ' [{"startTime": 0, "title": "Intro"}]}.',
        )
    given = body.get("revision")
    if isinstance(given, bool) or not isinstance(given, int):
        abort(400, "revision must be the episode's transcript revision, a whole number.")
    wanted = [_chapter_from(item) for item in body["chapters"]]
    db = get_db()
    with transaction(db):
        episode = _episode_or_404(db, episode_id)
        current = episode.transcript_revision
        if given != current:
            conflict(
                f"The transcript changed since revision {given}; it is now at revision"
                f" {current}. Reload it and make the change again.",
                current,
            )
        transcript, _manual = load_transcript(db, episode)
        snapped = [Chapter(snap_start(transcript, c.start), c.title) for c in wanted]
        try:
            kept = checked_chapters(snapped, episode.duration)
        except ChapterError as error:
            abort(400, str(error))
        chapter_store.save_chapters(db, episode_id, kept)
        revision = storage.bump_transcript_revision(db, episode)
    return {"revision": revision, "chapters": [_chapter_dict(c) for c in kept]}


def _chapter_from(item: object) -> Chapter:
    if not isinstance(item, dict) or not isinstance(item.get("title"), str):
        abort(400, 'Each chapter is an object like {"startTime": 12.5, "title": "Intro"}.')
    start = item.get("startTime")
    if isinstance(start, bool) or not isinstance(start, int | float):
        abort(400, f"startTime must be a number of seconds; got {start!r}.")
    try:
        seconds = float(start)
    except OverflowError:
        abort(400, "startTime is too large.")
    if not math.isfinite(seconds):
        abort(400, f"startTime must be a number of seconds; got {start!r}.")
    return Chapter(seconds, item["title"])


def _chapter_dict(chapter: Chapter) -> dict:
    return {"startTime": round(chapter.start, 3), "title": chapter.title}


def _suggestions(db: sqlite3.Connection, episode: Episode) -> list[Suggestion]:
    if episode.status is not EpisodeStatus.DONE:
        return []
    folder = files.episode_dir(current_app.config["DATA_DIR"], episode.id)
    page = decode_text((folder / episode.transcript_file).read_bytes())
    transcript, _manual = load_transcript(db, episode)
    return suggest_chapters(page, transcript)


def _chapter_export(episode_id: str, suffix: str, mimetype: str, render) -> Response:
    db = get_db()
    episode = _episode_or_404(db, episode_id)
    chapters = chapter_store.chapters_of(db, episode_id)
    filename = slugify(episode.title) + suffix
    return Response(
        render(chapters, episode),
        mimetype=mimetype,
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


@bp.get("/episodes/<episode_id>/chapters.json")
def chapters_json(episode_id: str) -> Response:
    return _chapter_export(
        episode_id,
        ".chapters.json",
        CHAPTERS_MIMETYPE,
        lambda chapters, episode: write_chapters_json(chapters, episode.duration, episode.title),
    )


@bp.get("/episodes/<episode_id>/chapters.vtt")
def chapters_vtt(episode_id: str) -> Response:
    return _chapter_export(
        episode_id,
        ".chapters.vtt",
        "text/vtt",
        lambda chapters, episode: write_chapters_vtt(chapters, episode.duration),
    )


@bp.get("/episodes/<episode_id>/chapters.txt")
def chapters_txt(episode_id: str) -> Response:
    return _chapter_export(
        episode_id,
        ".chapters.txt",
        "text/plain",
        lambda chapters, episode: write_show_notes(chapters, episode.duration),
    )


# ---- Search -------------------------------------------------------------------


@bp.get("/search")
@require_token
def search() -> dict:
    query = request.args.get("q", "")
    if not query.strip():
        abort(400, "Give the words to look for as ?q=...")
    limit_arg = request.args.get("limit", "20")
    if (
        not limit_arg.isascii()
        or not limit_arg.isdigit()
        or not 1 <= int(limit_arg) <= MAX_SEARCH_RESULTS
    ):
        abort(400, f"limit must be a whole number from 1 to {MAX_SEARCH_RESULTS}.")
    hits = search_index.search(get_db(), query, int(limit_arg))
    return {"query": query, "results": [hit.to_dict() for hit in hits]}


def _episode_or_404(db: sqlite3.Connection, episode_id: str) -> Episode:
    episode = storage.get_episode(db, episode_id)
    if episode is None:
        abort(404, f"No episode {episode_id!r}.")
    return episode
