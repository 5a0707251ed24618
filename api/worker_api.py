"""The server's side of remote workers: /api/worker/..., for `podalign worker --server`.

A remote worker shares nothing with the server but the Redis queue. It claims
a job here, fetches the audio and transcript, reports progress (its
heartbeat), and sends back a browser-playable copy and the result or the
error. Only the server writes its database and data dir; every write names
the revision the worker claimed, so a superseded worker changes nothing (409).
Every route needs the worker token (PODALIGN_WORKER_TOKEN), checked by the
gate before a body is read.
"""

from __future__ import annotations

import time
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, request, send_file
from podalign.aligner.cache import RecognitionCache
from podalign.api import files, jobs, storage
from podalign.api.storage import Episode, EpisodeStatus, get_db
from podalign.transcripts.model import Transcript

bp = Blueprint("worker", __name__, url_prefix="/api/worker/episodes/<episode_id>")

# Bigger than any packed recognition of a 6-hour episode (a few MB), and read no further.
PACKED_RECOGNITION_BYTES = 256 << 20
GONE = "Superseded: the episode was deleted, re-queued or re-aligned."


@bp.post("/claim")
def claim(episode_id: str) -> dict:
    body = _body()
    episode = storage.claim(
        get_db(), episode_id, _revision(body), str(body.get("worker", "remote")), time.time()
    )
    if episode is None:
        abort(409, GONE)
    return {
        "revision": episode.revision,
        "audio_file": episode.audio_file,
        "transcript_filename": episode.transcript_filename,
        "needs_playable": episode.playable_file is None,
        "attempts": episode.attempts,
    }


@bp.get("/audio")
def audio(episode_id: str) -> Response:
    episode = _running(episode_id, _int(request.args.get("revision")))
    return send_file(_folder(episode) / episode.audio_file, mimetype="application/octet-stream")


@bp.get("/transcript")
def transcript(episode_id: str) -> Response:
    episode = _running(episode_id, _int(request.args.get("revision")))
    return send_file(
        _folder(episode) / episode.transcript_file, mimetype="application/octet-stream"
    )


@bp.post("/progress")
def progress(episode_id: str) -> dict:
    body = _body()
    stage, percent = str(body.get("stage", "")), _int(body.get("progress"))
    if not storage.report_progress(
        get_db(), episode_id, _revision(body), stage, min(99, percent), time.time()
    ):
        abort(409, GONE)
    return {"ok": True}


@bp.put("/playable")
def playable(episode_id: str) -> dict:
    episode = _running(episode_id, _int(request.args.get("revision")))
    path = _folder(episode) / "playable.mp3"
    files.save_stream(request.stream, path)
    if not storage.set_playable_file(get_db(), episode_id, episode.revision, path.name):
        abort(409, GONE)
    return {"ok": True}


@bp.get("/recognition")
def recognition(episode_id: str) -> Response:
    """The server's cached recognition of the episode's audio with the worker's model, if any,
    so a worker realigning an edited transcript runs no Whisper pass."""
    episode = _running(episode_id, _int(request.args.get("revision")))
    cache, key = _recognition_entry(episode)
    packed = cache.pack(key)
    if packed is None:
        abort(404, "No recognition of this audio with this model is cached here.")
    return Response(packed, mimetype="application/zip")


@bp.put("/recognition")
def store_recognition(episode_id: str) -> dict:
    """Keep what the worker heard, for the next realignment and for the editor's re-timing."""
    episode = _running(episode_id, _int(request.args.get("revision")))
    if (request.content_length or 0) > PACKED_RECOGNITION_BYTES:
        abort(413, f"A packed recognition may be at most {PACKED_RECOGNITION_BYTES >> 20} MiB.")
    cache, key = _recognition_entry(episode)
    try:
        cache.unpack(key, request.stream.read(PACKED_RECOGNITION_BYTES + 1))
    except ValueError as error:
        abort(400, f"Send the recognition as the worker packs it: {error}.")
    return {"ok": True}


@bp.post("/handback")
def handback(episode_id: str) -> dict:
    """A worker stopping mid-job gives it back at once rather than after its lease runs out."""
    body = _body()
    if not jobs.hand_back(current_app, episode_id, _revision(body)):
        abort(409, GONE)
    return {"ok": True}


@bp.post("/result")
def result(episode_id: str) -> dict:
    body = _body()
    episode = _running(episode_id, _revision(body))
    try:
        aligned = Transcript.from_dict(body["result"])
    except (KeyError, TypeError, ValueError, AttributeError):
        abort(400, "Send the aligned transcript as {'revision': n, 'result': {...}}.")
    if not jobs.store_result(current_app, get_db(), episode, aligned):
        abort(409, GONE)
    return {"ok": True}


@bp.post("/failure")
def failure(episode_id: str) -> dict:
    body = _body()
    message = str(body.get("error") or jobs.UNEXPECTED)[:2000]
    if not storage.fail(get_db(), episode_id, _revision(body), message):
        abort(409, GONE)
    return {"ok": True}


def _running(episode_id: str, revision: int) -> Episode:
    episode = storage.get_episode(get_db(), episode_id)
    if (
        episode is None
        or episode.revision != revision
        or episode.status is not EpisodeStatus.RUNNING
    ):
        abort(409, GONE)
    return episode


def _folder(episode: Episode) -> Path:
    return files.episode_dir(current_app.config["DATA_DIR"], episode.id)


def _recognition_entry(episode: Episode) -> tuple[RecognitionCache, str]:
    model = request.args.get("model", "")
    if not model or len(model) > 200:
        abort(400, "Name the worker's model as ?model=<its model id>.")
    cache = RecognitionCache(Path(current_app.config["CACHE_DIR"]))
    return cache, cache.key(_folder(episode) / episode.audio_file, model, None)


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, "Send a JSON object.")
    return body


def _revision(body: dict) -> int:
    return _int(body.get("revision"))


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        abort(400, "revision and progress must be whole numbers.")
    try:
        return int(value)
    except ValueError:
        abort(400, "revision and progress must be whole numbers.")
