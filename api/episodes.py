"""The JSON API: /api/episodes and everything under it (documented in openapi.json)."""

from __future__ import annotations

import contextlib
import logging
import re
import secrets
import sqlite3
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, request, send_file
from podalign.aligner.cache import RecognitionCache
from podalign.aligner.models import model_id
from podalign.api import files, jobs, search_index, storage, uploads
from podalign.api.auth import require_token
from podalign.api.damage import Damaged
from podalign.api.errors import conflict
from podalign.api.manual import follow_edits
from podalign.api.peaks import ensure_peaks
from podalign.api.publish import export_options
from podalign.api.serialize import EXPORTS, accepted, detail, load_transcript, slugify, summary
from podalign.api.storage import Episode, EpisodeStatus, get_db, transaction
from podalign.audio import AudioError, DecodedStore, audio_digest, ffmpeg
from podalign.transcripts import FORMATS, write_transcript

log = logging.getLogger(__name__)

bp = Blueprint("episodes", __name__, url_prefix="/api")

OPENAPI = Path(__file__).with_name("openapi.json")
MAX_PER_PAGE = 100
QUEUE_DOWN = "The job queue is unavailable; retry later with POST /api/episodes/{id}/retry."


@bp.get("/openapi.json")
def openapi() -> Response:
    return send_file(OPENAPI, mimetype="application/json")


@bp.post("/episodes")
@require_token
def create() -> tuple[dict, int, dict]:
    audio, audio_name = uploads.audio_from_request()
    transcript_data, transcript_name = uploads.transcript_from_request()
    transcript = uploads.parse(transcript_data, transcript_name)
    title = (
        uploads.title_from_request()
        or (transcript.title or "").strip()[: uploads.MAX_TITLE]
        or uploads.title_from_filename(audio_name)
    )
    data_dir = current_app.config["DATA_DIR"]
    # Everything is checked in a staging dir and moved into place whole, so a
    # rejected or interrupted upload never leaves a half-made episode behind.
    staging = files.staging_dir(data_dir)
    try:
        audio_file = "original" + uploads.suffix(audio_name)
        files.save_stream(audio.stream, staging / audio_file)
        info = uploads.probe(staging / audio_file)
        transcript_file = "transcript-1" + uploads.suffix(transcript_name, ".txt")
        files.write_bytes(staging / transcript_file, transcript_data)
        files.write_json(staging / "result.json", transcript.to_dict())
        episode_id = secrets.token_urlsafe(16)
        staging.rename(files.episode_dir(data_dir, episode_id))
    except BaseException:
        files.remove_tree(staging)
        raise
    db = get_db()
    try:
        storage.create_episode(
            db,
            episode_id=episode_id,
            title=title,
            duration=info.duration,
            audio_file=audio_file,
            audio_filename=audio_name,
            audio_mimetype=uploads.audio_mimetype(info),
            transcript_file=transcript_file,
            transcript_filename=transcript_name,
            turn_count=len(transcript.turns),
            speakers=transcript.speakers,
        )
    except BaseException:
        # No row, no folder: nothing would ever find or clean up files without a row.
        files.remove_tree(files.episode_dir(data_dir, episode_id))
        raise
    return _queue(db, episode_id, revision=1)


@bp.get("/episodes")
@require_token
def index() -> dict:
    page = _int_arg("page", 1)
    per_page = _int_arg("per_page", 20)
    if per_page > MAX_PER_PAGE:
        abort(400, f"per_page can be at most {MAX_PER_PAGE}.")
    episodes, total = storage.list_episodes(get_db(), per_page, (page - 1) * per_page)
    return {
        "episodes": [summary(episode) for episode in episodes],
        "page": page,
        "per_page": per_page,
        "total": total,
    }


@bp.get("/episodes/<episode_id>")
def show(episode_id: str) -> dict:
    db = get_db()
    return detail(db, _episode_or_404(db, episode_id), words=request.args.get("words") == "1")


@bp.delete("/episodes/<episode_id>")
@require_token
def delete(episode_id: str) -> tuple[str, int]:
    db = get_db()
    with transaction(db):
        episode = _episode_or_404(db, episode_id)
        storage.delete_episode(db, episode_id)
        search_index.drop_episode(db, episode_id)
    # A job running on it in this process has its ffmpeg runs killed now; one anywhere
    # else notices at its next progress write (within seconds) and stops the same way.
    ffmpeg.stop(jobs.job_owner(episode_id, episode.revision))
    folder = files.episode_dir(current_app.config["DATA_DIR"], episode_id)
    _forget_what_was_heard(db, folder / episode.audio_file)
    files.remove_tree(folder)
    return "", 204


def _forget_what_was_heard(db: sqlite3.Connection, audio: Path) -> None:
    """A deleted episode's audio leaves no decoded copy and no recognition in the cache,
    unless another episode has the same audio."""
    if not audio.is_file():
        return
    size, data_dir = audio.stat().st_size, current_app.config["DATA_DIR"]
    for other_id, other_file in storage.audio_files(db).items():
        other = files.episode_dir(data_dir, other_id) / other_file
        with contextlib.suppress(OSError):
            if other.stat().st_size == size and audio_digest(other) == audio_digest(audio):
                return
    cache_dir = Path(current_app.config["CACHE_DIR"])
    DecodedStore(cache_dir).forget(audio)
    cache = RecognitionCache(cache_dir)
    cache.forget(cache.key(audio, model_id(current_app.config["MODEL"]), None))


@bp.get("/episodes/<episode_id>/audio")
def audio(episode_id: str) -> Response:
    episode = _episode_or_404(get_db(), episode_id)
    folder = files.episode_dir(current_app.config["DATA_DIR"], episode_id)
    if episode.playable_file:
        path, mimetype = folder / episode.playable_file, "audio/mpeg"
    else:
        path, mimetype = folder / episode.audio_file, episode.audio_mimetype
    name = slugify(episode.title) + path.suffix
    if not path.is_file():
        raise Damaged(episode, "its audio file is missing")
    if mimetype not in uploads.SERVABLE:
        # Not a type a browser plays: never let it be taken for a page or anything else.
        return send_file(
            path,
            mimetype=uploads.DOWNLOAD_ONLY,
            conditional=True,
            as_attachment=True,
            download_name=slugify(episode.title) + ".bin",
        )
    return send_file(path, mimetype=mimetype, conditional=True, download_name=name)


@bp.get("/episodes/<episode_id>/peaks")
def peaks(episode_id: str) -> Response:
    episode = _episode_or_404(get_db(), episode_id)
    folder = files.episode_dir(current_app.config["DATA_DIR"], episode_id)
    store = DecodedStore(Path(current_app.config["CACHE_DIR"]))
    try:
        path = ensure_peaks(folder, folder / episode.audio_file, episode.duration, store)
    except (AudioError, OSError):
        raise Damaged(episode, "its audio file is missing or damaged") from None
    return send_file(path, mimetype="application/json", conditional=True)


def download(episode_id: str, key: str) -> Response:
    db = get_db()
    episode = _episode_or_404(db, episode_id)
    if episode.status is not EpisodeStatus.DONE:
        abort(409, f"The episode is {episode.status}; its transcript can be downloaded once done.")
    transcript, _manual = load_transcript(db, episode)
    fmt, suffix = EXPORTS[key]
    options = export_options(fmt, request.args)
    filename = slugify(episode.title) + suffix
    return Response(
        write_transcript(transcript, fmt, **options),
        mimetype=FORMATS[fmt][1],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


for _key, (_fmt, _suffix) in EXPORTS.items():
    bp.add_url_rule(
        f"/episodes/<episode_id>/transcript{_suffix}",
        endpoint=f"download_{_key}",
        view_func=download,
        defaults={"key": _key},
    )


@bp.post("/episodes/<episode_id>/realign")
@require_token
def realign(episode_id: str) -> tuple[dict, int, dict]:
    """Align a new transcript, or (JSON with only a revision) the current, edited one."""
    db = get_db()
    _episode_or_404(db, episode_id)
    expected = _expected_revision()
    current = _realigns_current()
    if not current:
        data, filename = uploads.transcript_from_request(allow_json=True)
        transcript = uploads.parse(data, filename)
    folder = files.episode_dir(current_app.config["DATA_DIR"], episode_id)
    with transaction(db):
        episode = _episode_or_404(db, episode_id)
        if expected is not None and expected != episode.transcript_revision:
            conflict(
                f"The transcript changed since revision {expected}; it is now at revision"
                f" {episode.transcript_revision}. Reload it before realigning.",
                episode.transcript_revision,
            )
        if current:
            data = write_transcript(load_transcript(db, episode)[0], "json").encode()
            filename = "edited.json"
            transcript = uploads.parse(data, filename)
        # Earlier transcripts are kept beside the new one, numbered in order.
        transcript_file = f"transcript-{_next_version(folder)}{uploads.suffix(filename, '.txt')}"
        files.write_bytes(folder / transcript_file, data)
        storage.replace_manual_times(
            db, episode_id, follow_edits(storage.manual_times(db, episode_id), transcript)
        )
        revision = storage.replace_transcript(
            db,
            episode,
            transcript_file=transcript_file,
            transcript_filename=filename,
            turn_count=len(transcript.turns),
            speakers=transcript.speakers,
        )
        # Searchable again once the new alignment is done.
        search_index.drop_episode(db, episode_id)
    # After the commit: a failed update must not leave the new, untimed text under the
    # old "done" row. A crash right here leaves the old result until the job rewrites it.
    files.write_json(folder / "result.json", transcript.to_dict())
    return _queue(db, episode_id, revision)


@bp.post("/episodes/<episode_id>/retry")
@require_token
def retry(episode_id: str) -> tuple[dict, int, dict]:
    db = get_db()
    with transaction(db):
        episode = _episode_or_404(db, episode_id)
        if episode.status is not EpisodeStatus.FAILED:
            abort(409, f"Only failed episodes can be retried; this one is {episode.status}.")
        revision = storage.requeue(db, episode, attempts=0)
    return _queue(db, episode_id, revision)


def _queue(db: sqlite3.Connection, episode_id: str, revision: int) -> tuple[dict, int, dict]:
    """Enqueue the episode's job and answer 202 Accepted."""
    try:
        jobs.enqueue(current_app, episode_id, revision)
    except Exception:
        log.exception("Could not enqueue %s", episode_id)
        storage.fail(db, episode_id, revision, QUEUE_DOWN.format(id=episode_id))
        abort(503, QUEUE_DOWN.format(id=episode_id))
    # Normally still queued; a fast worker (or huey's immediate mode) may be further along,
    # and a DELETE may have removed it meanwhile.
    episode = _episode_or_404(db, episode_id)
    body = accepted(episode_id, episode.status)
    return body, 202, {"Location": body["url"]}


def _expected_revision() -> int | None:
    """The transcript revision a realignment was asked on, if the client sent one."""
    if request.is_json:
        body = request.get_json(silent=True)
        value = body.get("revision") if isinstance(body, dict) else None
    else:
        value = request.form.get("revision")
        if value is not None and re.fullmatch(r"[0-9]{1,9}", value):
            value = int(value)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        abort(400, f"revision must be a whole number; got {value!r}.")
    return value


def _realigns_current() -> bool:
    """JSON naming a revision but no transcript: realign the transcript as edited."""
    body = request.get_json(silent=True) if request.is_json else None
    return isinstance(body, dict) and "revision" in body and "transcript_text" not in body


def _episode_or_404(db: sqlite3.Connection, episode_id: str) -> Episode:
    episode = storage.get_episode(db, episode_id)
    if episode is None:
        abort(404, f"No episode {episode_id!r}.")
    return episode


def _int_arg(name: str, default: int) -> int:
    value = request.args.get(name, str(default))
    # fullmatch, not isdigit: "²" is a digit to Python, and 20 digits overflow SQLite.
    if not re.fullmatch(r"[0-9]{1,6}", value) or int(value) < 1:
        abort(400, f"{name} must be a whole number from 1 to 999999; got {value!r}.")
    return int(value)


def _next_version(folder: Path) -> int:
    versions = [
        int(match.group(1))
        for path in folder.glob("transcript-*")
        if (match := re.match(r"transcript-(\d+)", path.name))
    ]
    return max(versions, default=0) + 1
