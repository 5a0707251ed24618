"""`podalign worker --server URL --token T`: a worker that shares nothing with the server
but the Redis queue.

It takes align jobs from Redis, fetches each job's audio, transcript and (when
the server has one) cached recognition over HTTP with the worker token, aligns
them, and sends back the playable copy, what Whisper heard and the result (or
the error); on SIGTERM it hands a running job back at once. The server's side
is api/worker_api.py; only the server writes its database and data dir.
"""

from __future__ import annotations

import json
import logging
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from huey import RedisHuey
from huey.signals import SIGNAL_INTERRUPTED
from podalign.aligner import AlignmentError, align_transcript
from podalign.aligner.acoustic import kill_workers
from podalign.aligner.cache import RecognitionCache
from podalign.aligner.models import model_id
from podalign.api import jobs
from podalign.audio import AudioError, DecodedStore, decode_and_make_playable, ffmpeg
from podalign.audio.playable import is_browser_playable
from podalign.transcripts import TranscriptError, parse_transcript

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 2.0
TIMEOUT_SECONDS = 120.0
CHUNK = 1 << 20


class Superseded(Exception):
    """The server says the job is no longer this worker's (409)."""


class Server:
    """The server's worker API, with the worker token on every call."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base.rstrip("/") + "/api/worker/episodes/"
        self.token = token

    def post(self, path: str, body: dict[str, Any]) -> dict:
        data = json.dumps(body).encode()
        return json.loads(self._open("POST", path, data, "application/json").read())

    def put_file(self, path: str, source: Path) -> None:
        with source.open("rb") as data:
            self._open("PUT", path, data, "audio/mpeg", source.stat().st_size).read()

    def put_bytes(self, path: str, data: bytes, content_type: str) -> None:
        self._open("PUT", path, data, content_type, len(data)).read()

    def get_bytes_if_any(self, path: str) -> bytes | None:
        """The body, or None where the server has nothing (404)."""
        try:
            return self._open("GET", path).read()
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            raise

    def download(self, path: str, target: Path) -> None:
        response = self._open("GET", path)
        with target.open("wb") as out:
            while chunk := response.read(CHUNK):
                out.write(chunk)

    def _open(
        self,
        method: str,
        path: str,
        data: Any = None,
        content_type: str | None = None,
        length: int | None = None,
    ) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"}
        if content_type:
            headers["Content-Type"] = content_type
        if length is not None:
            headers["Content-Length"] = str(length)
        request = urllib.request.Request(self.base + path, data, headers, method=method)
        try:
            return urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS)
        except urllib.error.HTTPError as error:
            if error.code == 409:
                raise Superseded from None
            raise


def run_remote_worker(
    server: str,
    token: str,
    redis_url: str,
    workers: int,
    work_dir: Path,
    model: str,
    stall_seconds: float,
) -> int:
    """Consume align jobs from Redis until a signal; returns the exit status."""
    huey = RedisHuey("podalign", url=redis_url, results=False)
    remote = Server(server, token)
    work_dir.mkdir(parents=True, exist_ok=True)

    jobs.register_align(
        huey,
        lambda episode_id, revision: align_remotely(
            remote, episode_id, revision, work_dir, model, stall_seconds
        ),
    )

    @huey.signal(SIGNAL_INTERRUPTED)
    def interrupted(_signal: str, task) -> None:
        if task.name == "align_episode":
            episode_id, revision = task.args
            ffmpeg.stop(jobs.job_owner(episode_id, revision))
            hand_back(remote, episode_id, revision)

    log.info("podalign worker for %s (%s job worker(s), files in %s)", server, workers, work_dir)
    try:
        huey.create_consumer(workers=workers, worker_type="thread").run()
    finally:
        ffmpeg.stop()
        kill_workers()
    return 0


def align_remotely(
    server: Server,
    episode_id: str,
    revision: int,
    work_dir: Path,
    model: str,
    stall_seconds: float,
) -> None:
    """One job: claim it, fetch its files, align, send back the outcome."""
    try:
        claimed = server.post(
            f"{episode_id}/claim", {"revision": revision, "worker": jobs.worker_id()}
        )
    except Superseded:
        log.info("Skipping %s revision %s: deleted, superseded or taken", episode_id, revision)
        return
    query = f"?revision={revision}"
    recognition = f"{episode_id}/recognition{query}&model={urllib.parse.quote(model_id(model))}"
    cache_dir = work_dir / "cache"
    reporter = RemoteReporter(server, episode_id, revision, stall_seconds)
    with tempfile.TemporaryDirectory(dir=work_dir, prefix="job-") as folder:
        audio = Path(folder) / Path(claimed["audio_file"]).name
        try:
            server.download(f"{episode_id}/audio{query}", audio)
            transcript_path = Path(folder) / "transcript"
            server.download(f"{episode_id}/transcript{query}", transcript_path)
            cache = RecognitionCache(cache_dir)
            key = cache.key(audio, model_id(model), None)
            fetch_recognition(server, recognition, cache, key)
            reporter.start()
            try:
                with ffmpeg.owned_by(reporter.owner):
                    # Browsers play most uploads as they are; a copy for the rest comes from
                    # the decoding pass the aligner then reads from the store. A realignment
                    # with the server's recognition may need no decode at all.
                    if claimed["needs_playable"] and not is_browser_playable(audio):
                        _, playable = decode_and_make_playable(
                            DecodedStore(cache_dir), audio, folder
                        )
                        if playable is not None:
                            server.put_file(f"{episode_id}/playable{query}", playable)
                    transcript = parse_transcript(
                        transcript_path.read_bytes(), claimed["transcript_filename"]
                    )
                    result = align_transcript(
                        audio,
                        transcript,
                        model=model,
                        cache_dir=cache_dir,
                        progress=reporter.progress,
                    )
            finally:
                reporter.stop()
            # Before the result: once the episode is done, the editor re-times from it.
            packed = cache.pack(key)
            if packed is not None:
                server.put_bytes(recognition, packed, "application/zip")
            server.post(f"{episode_id}/result", {"revision": revision, "result": result.to_dict()})
            log.info("Aligned %s", episode_id)
        except (Superseded, ffmpeg.Stopped):
            log.info("Dropped %s revision %s: superseded while running", episode_id, revision)
        except (AlignmentError, AudioError, TranscriptError) as error:
            _report_failure(server, episode_id, revision, str(error))
        except Exception:
            log.exception("Aligning %s failed", episode_id)
            _report_failure(server, episode_id, revision, jobs.UNEXPECTED)


def fetch_recognition(server: Server, path: str, cache: RecognitionCache, key: str) -> None:
    """Take the server's cached recognition of this audio, if it has one: a realignment
    then runs no Whisper pass here either."""
    packed = server.get_bytes_if_any(path)
    if packed is None:
        return
    try:
        cache.unpack(key, packed)
    except ValueError as error:
        log.warning("Ignoring the server's cached recognition: %s", error)
        return
    log.info("Using the server's cached recognition for %s", path.split("/", 1)[0])


def hand_back(server: Server, episode_id: str, revision: int) -> None:
    """On shutdown: give the job back to the queue now, not when its lease runs out."""
    try:
        server.post(f"{episode_id}/handback", {"revision": revision})
        log.info("Handed %s back to the server on shutdown", episode_id)
    except Superseded:
        pass
    except OSError as error:
        log.warning(
            "Could not hand %s back (%s); it is re-queued after its lease", episode_id, error
        )


def _report_failure(server: Server, episode_id: str, revision: int, message: str) -> None:
    try:
        server.post(f"{episode_id}/failure", {"revision": revision, "error": message})
    except Superseded:
        pass
    log.info("Alignment of %s failed: %s", episode_id, message)


class RemoteReporter:
    """Posts the job's progress (its heartbeat) every few seconds from a thread of its own;
    stops the job when the server says it is superseded, or when it stalls."""

    def __init__(self, server: Server, episode_id: str, revision: int, stall: float) -> None:
        self.server = server
        self.episode_id = episode_id
        self.revision = revision
        self.owner = jobs.job_owner(episode_id, revision)
        self.stall = stall
        self.state = ("starting", 0.0)
        self.changed_at = time.monotonic()
        self.superseded = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"remote-{episode_id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join()

    def progress(self, stage: str, fraction: float) -> None:
        if self.superseded.is_set():
            raise Superseded
        if (stage, fraction) != self.state:
            self.changed_at = time.monotonic()
        self.state = (stage, fraction)

    def _run(self) -> None:
        while not self._stopped.wait(HEARTBEAT_SECONDS):
            alive = max(self.changed_at, ffmpeg.last_activity(self.owner) or 0.0)
            stage, fraction = self.state
            try:
                if time.monotonic() - alive > self.stall:
                    message = jobs.STALLED.format(
                        seconds=self.stall, stage=stage, id=self.episode_id
                    )
                    _report_failure(self.server, self.episode_id, self.revision, message)
                    raise Superseded
                body = {"revision": self.revision, "stage": stage, "progress": int(fraction * 100)}
                self.server.post(f"{self.episode_id}/progress", body)
            except Superseded:
                self.superseded.set()
                ffmpeg.stop(self.owner)
                return
            except OSError as error:
                log.warning("Could not report progress of %s: %s", self.episode_id, error)
